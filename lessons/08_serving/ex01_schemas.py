"""Exercise placeholder: Request and response schemas (being written)."""


def placeholder():
    # TODO: write it
    raise NotImplementedError
