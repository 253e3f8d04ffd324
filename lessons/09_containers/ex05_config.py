"""Exercise placeholder: Configuration from the environment (being written)."""


def placeholder():
    # TODO: write it
    raise NotImplementedError
