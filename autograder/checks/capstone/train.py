"""Checks for capstone/train (placeholder: a helper replaces this file)."""
