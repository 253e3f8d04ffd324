"""The system's constants, in one place (given: every part reads them from here, never a copy).

Training (fraudsys/train.py) and its checks, the service (fraudsys/service.py), the batch job,
the monitoring code, the alert rules and the dashboard all agree on these values because they
all read them here. Change one here and every part follows; write the same number twice in two
files and one day they disagree.
"""

from __future__ import annotations

# --- the business: what a mistake costs (lesson 04) -----------------------------------------------
COST_FP = 5.0  # EUR: an analyst reviews a false alarm (six minutes at 50 EUR an hour)
COST_FN = 100.0  # EUR: a fraud let through (a flat chargeback cost)

# --- the data: labels arrive late (lessons 03, 04, 06) --------------------------------------------
LABEL = "is_fraud"  # the label column of the cleaned transactions
LABEL_DELAY_DAYS = 30  # a payment's label is trusted only this many days after the payment
VALID_DAYS = 21  # the validation window: the last days of the trusted-label period
CURRENCY_RATES = {"EUR": 1.0, "GBP": 0.85, "CHF": 0.95, "USD": 1.08}  # units per 1 EUR
RISKY_CATEGORIES = ("electronics", "digital_goods", "gift_cards", "jewelry", "crypto", "gambling")
NIGHT_HOURS_UTC = (0, 5)  # [start, end): payments in these UTC hours are "at night"
UNKNOWN = "unknown"  # a country the export lost and no other table recovers

# --- the registry (lesson 06) ---------------------------------------------------------------------
MODEL_NAME = "fraudsys"  # the registered model's name
CHAMPION_ALIAS = "champion"  # the alias of the version that serves traffic
EXPERIMENT = "fraudsys-train"  # the MLflow experiment every training run is logged in
MODEL_ARTIFACT = "model.skops"  # the model file's name among a run's artifacts
PROMOTION_METRIC = "valid_average_precision"  # higher is better
PROMOTION_MIN_GAIN = 0.0  # a candidate must beat the champion by MORE than this (a tie never wins)
PROMOTION_FLOOR = 0.05  # with no champion yet, the first model must reach this metric
RANDOM_STATE = 0

# --- the served model's budgets (lesson 11) -------------------------------------------------------
MAX_AUC_DROP = 0.01  # the compact model may lose at most this much validation ROC AUC
MAX_SIZE_RATIO = 0.5  # its file at most half the champion's
MAX_LATENCY_RATIO = 1.0  # and no slower per row than the champion

# --- monitoring (lesson 10): metric names, read by the code, the alerts and the dashboard ---------
METRIC_REQUESTS = "fraudsys_requests_total"
METRIC_LATENCY = "fraudsys_request_duration_seconds"
METRIC_SCORE = "fraudsys_score"
METRIC_MODEL_INFO = "fraudsys_model_info"
METRIC_PSI = "fraudsys_feature_psi"
PSI_ALERT_THRESHOLD = 0.1  # a feature whose PSI reaches this has drifted (the rule of thumb)
