"""Exercise 02 · A release gate (placeholder: the helper replaces this file)."""


def placeholder():
    # BEGIN SOLUTION: write it
    return 1
    # END SOLUTION
