"""Exercise 04 · Performance when labels arrive late.

Docs: docs/lessons/10-monitoring.md#ex04-delayed-labels

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
