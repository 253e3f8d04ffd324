"""Exercise 02 · Weak labels.

Docs: docs/lessons/13-data-centric.md#ex02-weak-labels

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
