"""Helpers shared by the checks of lesson 05_tuning."""

from __future__ import annotations
