"""Exercise 05 · Ranking metrics.

Docs: docs/lessons/12-applications.md#ex05-ranking-metrics

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
