"""Helpers shared by the checks of lesson 04_evaluation."""

from __future__ import annotations
