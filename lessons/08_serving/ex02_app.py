"""Exercise placeholder: A FastAPI service (being written)."""


def placeholder():
    # TODO: write it
    raise NotImplementedError
