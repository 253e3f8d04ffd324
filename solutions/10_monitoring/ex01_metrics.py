"""Exercise 01 · Service metrics.

Docs: docs/lessons/10-monitoring.md#ex01-metrics

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # BEGIN SOLUTION: return 1
    return 1
    # END SOLUTION
