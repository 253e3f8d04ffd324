"""Checks for capstone/ci (placeholder: a helper replaces this file)."""
