"""Checks for 14_cicd/ex04_rollout (see the reference solution)."""
