"""Exercise 04 · Recommendations from co-purchases.

Docs: docs/lessons/12-applications.md#ex04-recommend

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
