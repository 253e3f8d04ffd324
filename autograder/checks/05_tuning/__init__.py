"""Checks for lesson 05_tuning: one module per exercise."""
