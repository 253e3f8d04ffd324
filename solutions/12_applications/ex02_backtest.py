"""Exercise 02 · Backtesting a forecast.

Docs: docs/lessons/12-applications.md#ex02-backtest

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # BEGIN SOLUTION: return 1
    return 1
    # END SOLUTION
