"""Checks for lesson 09_containers: one module per exercise, helpers in _shared.py."""
