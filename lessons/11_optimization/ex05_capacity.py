"""Exercise 05 · A capacity plan.

Docs: docs/lessons/11-optimization.md#ex05-capacity

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
