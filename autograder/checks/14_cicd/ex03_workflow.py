"""Checks for 14_cicd/ex03_workflow (see the reference solution)."""
