"""Hostile submission for 01_numpy/ex01_standardize: returns an object equal to everything.

`AlwaysEqual() == anything` is True and it dresses up as a float64 array (shape, dtype). A check
that compared with `==` would pass it; every check must fail it, for 0 points.
"""

import numpy as np


class AlwaysEqual:
    dtype = np.dtype(np.float64)

    def __init__(self, shape: tuple[int, ...] = ()) -> None:
        self.shape = shape
        self.ndim = len(shape)

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return True


def standardize(X: np.ndarray) -> AlwaysEqual:
    return AlwaysEqual(np.shape(X))
