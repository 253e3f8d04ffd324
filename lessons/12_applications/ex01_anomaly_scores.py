"""Exercise 01 · Anomaly scores.

Docs: docs/lessons/12-applications.md#ex01-anomaly-scores

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
