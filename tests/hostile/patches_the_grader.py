"""Hostile: a stub that, at import, rebinds the grader's classifier so every check reports passed."""

import numpy as np

import autograder.plugin as _plugin

_plugin.classify = lambda item, reports: ("passed", "")


def standardize(X: np.ndarray) -> np.ndarray:
    raise NotImplementedError
