"""Exercise placeholder: Request and response schemas (being written)."""


def placeholder():
    # BEGIN SOLUTION: write it
    return 1
    # END SOLUTION
