"""Exercise 01 · Service metrics.

Docs: docs/lessons/10-monitoring.md#ex01-metrics

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
