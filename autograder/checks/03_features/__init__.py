"""Checks for lesson 03_features: one module per exercise, helpers in _shared.py."""
