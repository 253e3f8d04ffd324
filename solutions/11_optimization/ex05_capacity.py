"""Exercise 05 · A capacity plan.

Docs: docs/lessons/11-optimization.md#ex05-capacity

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # BEGIN SOLUTION: return 1
    return 1
    # END SOLUTION
