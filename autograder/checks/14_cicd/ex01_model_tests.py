"""Checks for 14_cicd/ex01_model_tests (see the reference solution)."""
