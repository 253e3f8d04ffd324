"""Exercise 04 · Performance when labels arrive late.

Docs: docs/lessons/10-monitoring.md#ex04-delayed-labels

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # BEGIN SOLUTION: return 1
    return 1
    # END SOLUTION
