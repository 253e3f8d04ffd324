"""Checks for lesson 02_pandas: one module per exercise, helpers in _shared.py."""
