"""Exercise 05 · Ranking metrics.

Docs: docs/lessons/12-applications.md#ex05-ranking-metrics

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # BEGIN SOLUTION: return 1
    return 1
    # END SOLUTION
