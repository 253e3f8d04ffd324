"""Checks for lesson 06_tracking: one module per exercise, helpers in _shared.py."""
