"""Exercise placeholder: What makes an image big (being written)."""


def placeholder():
    # TODO: write it
    raise NotImplementedError
