"""Errors the command line reports in one sentence, with exit status 2."""


class UsageError(Exception):
    """A mistake on the command line: an unknown exercise, a missing folder, a bad option."""
