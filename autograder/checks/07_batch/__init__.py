"""Checks for lesson 07_batch: one module per exercise, helpers in _shared.py."""
