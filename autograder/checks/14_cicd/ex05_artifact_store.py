"""Checks for 14_cicd/ex05_artifact_store (see the reference solution)."""
