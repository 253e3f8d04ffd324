"""Exercise 03 · Distillation, honestly measured.

Docs: docs/lessons/11-optimization.md#ex03-distill

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # BEGIN SOLUTION: return 1
    return 1
    # END SOLUTION
