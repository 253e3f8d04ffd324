"""Fixtures shared by the integration tier's tests."""

from __future__ import annotations

import pytest

from autograder.containers import Builder, NoBuilder, find_builder


@pytest.fixture(scope="module")
def builder() -> Builder:
    """The machine's image builder (Docker, else buildah); the test is skipped without one."""
    try:
        return find_builder()
    except NoBuilder as exc:
        pytest.skip(str(exc))
