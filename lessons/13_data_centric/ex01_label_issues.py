"""Exercise 01 · Finding label issues.

Docs: docs/lessons/13-data-centric.md#ex01-label-issues

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
