"""Checks for 14_cicd/ex02_release_gate (see the reference solution)."""
