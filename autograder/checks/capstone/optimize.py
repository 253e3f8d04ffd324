"""Checks for capstone/optimize (placeholder: a helper replaces this file)."""
