"""Exercise placeholder: A load test on loopback (being written)."""


def placeholder():
    # TODO: write it
    raise NotImplementedError
