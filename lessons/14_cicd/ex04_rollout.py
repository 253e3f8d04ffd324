"""Exercise 04 · Canary, shadow and rollback (placeholder: the helper replaces this file)."""


def placeholder():
    # TODO: write it
    raise NotImplementedError
