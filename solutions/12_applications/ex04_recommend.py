"""Exercise 04 · Recommendations from co-purchases.

Docs: docs/lessons/12-applications.md#ex04-recommend

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # BEGIN SOLUTION: return 1
    return 1
    # END SOLUTION
