"""Exercise 03 · Distillation, honestly measured.

Docs: docs/lessons/11-optimization.md#ex03-distill

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
