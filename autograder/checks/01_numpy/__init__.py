"""Checks for lesson 01_numpy: one module per exercise, helpers in _shared.py."""
