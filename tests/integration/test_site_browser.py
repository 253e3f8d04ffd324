"""The built site in a real browser: headless Chromium loads the lesson page from a local HTTP
server, and the DOM it renders holds every exercise heading and every hint; a screenshot is drawn.

Needs /usr/bin/chromium (`bash .ci/integration-deps` installs it). Under `-m integration` a missing
browser is a failure that says what to install, never a skip.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder.manifest import COURSE_ROOT, load_course

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LESSON = "lessons/01-numpy/"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def require_chromium() -> None:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tier needs Chromium. "
            "Install the integration tools with `bash .ci/integration-deps` (as root)."
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the HTTP server exited early with code {proc.returncode}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
            return
        time.sleep(0.1)
    raise AssertionError(f"the HTTP server did not listen on 127.0.0.1:{port} within {timeout:g} s")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(COURSE_ROOT / "mkdocs.yml"),
            "-d",
            str(out),
        ],
        cwd=COURSE_ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, (
        f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    )
    return out


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            str(port),
            "--directory",
            str(site),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        yield f"http://127.0.0.1:{port}/"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def chromium(tmp_path: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    require_chromium()
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_chromium_is_installed():
    require_chromium()


def test_lesson_page_renders_exercises_and_hints(base_url: str, tmp_path: Path):
    result = chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", base_url + LESSON)
    dom = result.stdout
    assert result.returncode == 0 and "</html>" in dom, (
        f"chromium could not render the lesson (exit {result.returncode}):\n{result.stderr[-2000:]}"
    )
    course = load_course()
    lesson = next(lesson for lesson in course.lessons if lesson.docs == "lessons/01-numpy.md")
    for ex in lesson.exercises:
        anchor = ex.docs.partition("#")[2]
        heading = re.search(rf'<h2 id="{re.escape(anchor)}"[^>]*>(.*?)</h2>', dom, re.S)
        assert heading, f"no <h2 id={anchor!r}> in the rendered lesson"
        assert ex.title in heading.group(1), f"heading {anchor!r} does not name {ex.title!r}"
        assert f"mlgrade check {ex.stem}" in re.sub(r"<[^>]+>", "", dom)
    summaries = re.findall(r'<details class="tip">\s*<summary>(Hint \d+)</summary>', dom)
    assert len(summaries) == sum(len(ex.hints) for ex in lesson.exercises), (
        f"expected one collapsed tip per hint, found {len(summaries)}"
    )
    # The theme's JavaScript ran: the built page's <html class="no-js"> is gone from the live DOM.
    html_tag = re.search(r"<html\b[^>]*>", dom)
    assert html_tag and "no-js" not in html_tag.group(0), (
        f"the theme's JavaScript did not run: {html_tag}"
    )


def test_lesson_page_screenshot(base_url: str, tmp_path: Path):
    shot = tmp_path / "lesson-01.png"
    result = chromium(
        tmp_path,
        "--window-size=1280,1600",
        "--hide-scrollbars",
        "--virtual-time-budget=5000",
        f"--screenshot={shot}",
        base_url + LESSON,
    )
    assert result.returncode == 0, (
        f"chromium failed (exit {result.returncode}):\n{result.stderr[-2000:]}"
    )
    assert shot.is_file(), f"chromium wrote no screenshot:\n{result.stderr[-2000:]}"
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE), "the screenshot is not a PNG"
    assert len(data) > 20_000, f"the screenshot is {len(data)} bytes: a blank page?"
