"""mlgrade: the autograder of the course "Mastering Machine Learning Engineering"."""

__version__ = "0.1.0"
