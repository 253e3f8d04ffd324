"""Exercise 02 · A release gate (placeholder: the helper replaces this file)."""


def placeholder():
    # TODO: write it
    raise NotImplementedError
