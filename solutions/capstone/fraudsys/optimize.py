"""The served model's budgets (part Optimize) (placeholder: a helper replaces this file)."""


def placeholder():
    # BEGIN SOLUTION: write it
    return 1
    # END SOLUTION
