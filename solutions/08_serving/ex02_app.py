"""Exercise placeholder: A FastAPI service (being written)."""


def placeholder():
    # BEGIN SOLUTION: write it
    return 1
    # END SOLUTION
