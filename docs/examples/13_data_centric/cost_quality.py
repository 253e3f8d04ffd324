"""Worked example: model alone, LLM alone, or a hybrid; the cost-quality curve.

The question is binary: is a dispute about an UNAUTHORIZED payment? A cheap model that never
reads the note (the lesson's fraud model on the disputed payment's 13 features, trained on the
424 notes with a gold reason) gives every note a probability. The simulated LLM, which reads the
note, answers 1,000 other notes once each (with the retries of llm_labeller.py), and its answers
and their billed tokens are recorded. A hybrid sends the LLM
only the share of notes whose probability is closest to 0.5, and lets the model decide the rest:
its cost is what those notes' answers were billed. The share is chosen on a validation half and
reported on a test half, once without a spend limit and once with a limit of half what the LLM
alone costs on validation.

Run: python docs/examples/13_data_centric/cost_quality.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from llm_labeller import client_from_env, post_with_retries, request_body, simulated_env, verdict_of
from noisy_fraud import load, model
from sklearn.metrics import f1_score
from threadpoolctl import threadpool_limits

import coursedata
from coursedata.llm import SimConfig, make_llm_app, serving

SHARES = np.round(np.linspace(0, 1, 11), 2)  # shares of the notes sent to the LLM


def ask_llm(notes: pd.DataFrame, config: SimConfig, truth: pd.DataFrame) -> pd.DataFrame:
    """Each note once (invalid answers asked again, twice at most): reason or None, and cost."""
    app = make_llm_app(truth, config=config)
    rows = []
    with serving(app) as base_url, client_from_env(simulated_env(base_url)) as http:
        for text in notes["text"]:
            body, reason, cost = request_body(text), None, 0.0
            for _ in range(3):
                response = post_with_retries(http, body, lambda s: None)
                if response.status_code != 200:
                    break
                usage = response.json()["usage"]
                cost += (
                    usage["prompt_tokens"] * config.price_in_per_1k
                    + usage["completion_tokens"] * config.price_out_per_1k
                ) / 1000
                verdict = verdict_of(response)
                if verdict is not None:
                    reason = verdict.reason
                    break
            rows.append((reason, cost))
    print(f"LLM billed ${app.state.stats.cost:.4f} for {len(notes):,} notes")
    return pd.DataFrame(rows, columns=["llm_reason", "llm_cost"], index=notes.index)


def hybrid(proba: np.ndarray, llm_says: np.ndarray, share: float) -> np.ndarray:
    """The LLM's answer for the `share` of rows nearest 0.5, the model's decision elsewhere."""
    n_llm = int(round(share * len(proba)))
    nearest = np.argsort(np.abs(proba - 0.5), kind="stable")[:n_llm]
    decision = (proba >= 0.5).astype(int)
    decision[nearest] = llm_says[nearest]
    return decision, nearest


def curve(part: pd.DataFrame) -> pd.DataFrame:
    proba = part["proba"].to_numpy()
    model_says = (proba >= 0.5).astype(int)
    answered = part["llm_reason"].notna().to_numpy()
    llm_says = np.where(answered, part["llm_reason"] == "unauthorized", model_says).astype(int)
    points = []
    for share in SHARES:
        decision, sent = hybrid(proba, llm_says, share)
        cost = part["llm_cost"].to_numpy()[sent].sum()
        points.append((share, f1_score(part["y"], decision), cost))
    return pd.DataFrame(points, columns=["share", "f1", "cost"])


def choose_share(on_validation: pd.DataFrame, spend_limit: float = np.inf) -> pd.Series:
    """The share with the best validation F1 whose validation cost fits; ties: the cheaper."""
    fits = on_validation[on_validation["cost"] <= spend_limit]
    return fits.sort_values(["f1", "cost"], ascending=[False, True]).iloc[0]


def measure() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The curves (share sent to the LLM, F1, LLM cost) on the validation and the test half."""
    data = load()
    world = data.world
    notes = coursedata.dispute_notes(world, seed=0)
    truth = world.truth.extras["dispute_notes"]
    reason = truth.set_index("note_id")["reason"].astype(str)
    notes["y"] = (notes["note_id"].map(reason) == "unauthorized").astype(int)
    row_of = pd.Series(np.arange(len(data.X)), index=world.transactions["transaction_id"])
    X = data.X.iloc[row_of[notes["transaction_id"]].to_numpy()]
    gold = notes["gold_reason"].notna().to_numpy()
    with threadpool_limits(limits=1):
        fitted = model(max_iter=100).fit(X[gold], notes["gold_reason"][gold] == "unauthorized")
        notes["proba"] = fitted.predict_proba(X)[:, 1]
    rest = notes[~gold].sample(n=1_000, random_state=0).sort_index()
    rest = rest.join(ask_llm(rest, SimConfig(latency_scale=0), truth))
    validation = rest.sample(frac=0.5, random_state=0)
    test = rest.drop(validation.index)
    print(
        f"trained on {gold.sum()} gold notes; validation {len(validation)}, test {len(test)} "
        f"notes ({test['y'].mean():.0%} unauthorized)"
    )
    return curve(validation), curve(test)


def main() -> None:
    on_validation, on_test = measure()
    print("| sent to the LLM | validation F1 | test F1 | test LLM cost |")
    print("|---:|---:|---:|---:|")
    for (share, f1_val, _), (_, f1_test, cost) in zip(
        on_validation.itertuples(index=False), on_test.itertuples(index=False), strict=True
    ):
        name = {0.0: " (model alone)", 1.0: " (LLM alone)"}.get(share, "")
        print(f"| {share:.0%}{name} | {f1_val:.3f} | {f1_test:.3f} | ${cost:.5f} |")
    alone = on_test.iloc[-1]
    print(
        f"on test: the LLM alone {alone['f1']:.3f} for ${alone['cost']:.5f}, the model alone "
        f"{on_test['f1'].iloc[0]:.3f} for $0"
    )
    half = on_validation["cost"].iloc[-1] / 2
    for name, limit in (("no spend limit", np.inf), (f"a limit of ${half:.5f}", half)):
        best = choose_share(on_validation, limit)
        chosen = on_test[on_test["share"] == best["share"]].iloc[0]
        print(
            f"chosen on validation with {name}: {best['share']:.0%} of the notes to the LLM; "
            f"on test F1 {chosen['f1']:.3f} for ${chosen['cost']:.5f}"
        )


if __name__ == "__main__":
    main()
