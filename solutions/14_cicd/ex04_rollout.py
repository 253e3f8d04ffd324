"""Exercise 04 · Canary, shadow and rollback (placeholder: the helper replaces this file)."""


def placeholder():
    # BEGIN SOLUTION: write it
    return 1
    # END SOLUTION
