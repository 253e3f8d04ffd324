"""Exercise placeholder: What makes an image big (being written)."""


def placeholder():
    # BEGIN SOLUTION: write it
    return 1
    # END SOLUTION
