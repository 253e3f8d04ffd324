"""Exercise placeholder: A client that retries (being written)."""


def placeholder():
    # TODO: write it
    raise NotImplementedError
