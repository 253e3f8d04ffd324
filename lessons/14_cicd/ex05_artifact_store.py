"""Exercise 05 · An artifact store on S3 (placeholder: the helper replaces this file)."""


def placeholder():
    # TODO: write it
    raise NotImplementedError
