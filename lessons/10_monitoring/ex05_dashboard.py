"""Exercise 05 · A dashboard as code.

Docs: docs/lessons/10-monitoring.md#ex05-dashboard

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
