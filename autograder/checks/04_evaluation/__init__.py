"""Checks for lesson 04_evaluation: one module per exercise, helpers in _shared.py."""
