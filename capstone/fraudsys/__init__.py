"""fraudsys: Kestrel Pay's fraud-detection system (the course's capstone).

features (clean the raw export, per-row features), train (MLflow run, registry, promotion gate),
optimize (a compact model within budget), service (FastAPI), batch (chunked scoring),
monitoring (metrics and the drift job); config holds the constants every part shares.
"""
