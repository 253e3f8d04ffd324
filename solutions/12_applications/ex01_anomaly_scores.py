"""Exercise 01 · Anomaly scores.

Docs: docs/lessons/12-applications.md#ex01-anomaly-scores

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # BEGIN SOLUTION: return 1
    return 1
    # END SOLUTION
