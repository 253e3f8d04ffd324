"""Exercise 03 · Labelling with an LLM.

Docs: docs/lessons/13-data-centric.md#ex03-llm-labeler

TODO: the contract (placeholder, being written).
"""


def placeholder():
    """Placeholder."""
    # TODO: return 1
    raise NotImplementedError
