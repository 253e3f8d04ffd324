"""Exercise 03 · Forecast features without leaks.

Docs: docs/lessons/12-applications.md#ex03-forecast-features

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
