"""Exercise 04 · A hybrid router.

Docs: docs/lessons/13-data-centric.md#ex04-hybrid-router

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # BEGIN SOLUTION: return 1
    return 1
    # END SOLUTION
