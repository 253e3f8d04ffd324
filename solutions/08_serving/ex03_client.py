"""Exercise placeholder: A client that retries (being written)."""


def placeholder():
    # BEGIN SOLUTION: write it
    return 1
    # END SOLUTION
