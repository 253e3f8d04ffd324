"""Checks for lesson 07_batch: one module per exercise."""
