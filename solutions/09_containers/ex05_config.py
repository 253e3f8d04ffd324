"""Exercise placeholder: Configuration from the environment (being written)."""


def placeholder():
    # BEGIN SOLUTION: write it
    return 1
    # END SOLUTION
