"""Exercise 01 · Where prediction time goes.

Docs: docs/lessons/11-optimization.md#ex01-profile

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # BEGIN SOLUTION: return 1
    return 1
    # END SOLUTION
