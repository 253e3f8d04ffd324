"""Helpers shared by the checks of lesson 07_batch."""

from __future__ import annotations
