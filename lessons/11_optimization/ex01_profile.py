"""Exercise 01 · Where prediction time goes.

Docs: docs/lessons/11-optimization.md#ex01-profile

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
