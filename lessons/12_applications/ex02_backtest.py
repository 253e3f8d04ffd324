"""Exercise 02 · Backtesting a forecast.

Docs: docs/lessons/12-applications.md#ex02-backtest

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
