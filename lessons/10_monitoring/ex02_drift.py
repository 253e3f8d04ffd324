"""Exercise 02 · Drift, measured.

Docs: docs/lessons/10-monitoring.md#ex02-drift

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
