"""The built site in a real browser, with no network: headless Chromium loads pages from a local
HTTP server, every request to a host other than 127.0.0.1 is blocked, and

- the lesson page's DOM holds every exercise heading and every hint, and a screenshot is drawn;
- every diagram renders as an SVG from the vendored mermaid, never as raw `flowchart LR` text, and
  no page even asks for anything off the machine (unpkg.com, fonts, images);
- the widest worked example fits its code block at 1280 x 900: no sideways scrolling.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`): standard
library only, no Playwright, no websocket client. Needs /usr/bin/chromium
(`bash .ci/integration-deps` installs it). Under `-m integration` a missing browser is a failure
that says what to install, never a skip.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from autograder.manifest import COURSE_ROOT, load_course

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # No name resolves except loopback: whatever slips past the request blocking below fails too.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
LESSON = "lessons/01-numpy/"
# The pages that draw a diagram (the learning path, grading a class, how the data world is made);
# test_every_page_with_a_diagram_is_covered keeps this list complete.
DIAGRAM_PAGES = ["", "capstone/", "instructors/", "lessons/14-cicd/", "reference/data-world/"]
WIDTH, HEIGHT = 1280, 900  # the default window the code blocks must fit
EXAMPLES = COURSE_ROOT / "docs" / "examples"
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


def stop(proc: subprocess.Popen) -> None:
    """Stop a process this module started, by its pid: SIGTERM, then SIGKILL after 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


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
        stop(server)


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


# --- Chromium over the DevTools protocol -------------------------------------------------------


class DevTools:
    """A headless Chromium driven over `--remote-debugging-pipe`: JSON messages, each ended by a
    NUL byte, written to the browser's fd 3 and read from its fd 4.

    Every request of a page opened with `open()` is paused in the browser (the Fetch domain): one
    to a loopback host continues, any other fails and is recorded in `blocked`.
    """

    def __init__(self, profile: Path, log: Path) -> None:
        require_chromium()
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        self._stderr = log.open("wb")
        # The shell puts the two pipe ends on the fds 3 and 4 that Chromium reads and writes.
        self.proc = subprocess.Popen(
            [
                "bash",  # dash allows only fds 0-9 in a redirection
                "-c",
                f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w}',
                str(CHROMIUM),
                *CHROMIUM_FLAGS,
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "--hide-scrollbars",
                "about:blank",
            ],
            pass_fds=(to_browser_r, from_browser_w),
            stdin=subprocess.DEVNULL,
            stdout=self._stderr,
            stderr=self._stderr,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._write_lock = threading.Lock()
        self._replies: dict[int, queue.Queue] = {}
        self._replies_lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        self.requested: defaultdict[str, list[str]] = defaultdict(list)  # by session (tab)
        self.blocked: defaultdict[str, list[str]] = defaultdict(list)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # The reader thread answers paused requests at once, so a page never waits on the test.
    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._from_browser, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:
                    with self._replies_lock:
                        box = self._replies.get(message["id"])
                    if box is not None:
                        box.put(message)
                elif message.get("method") == "Fetch.requestPaused":
                    self._decide(message)
                else:
                    self.events.append(message)

    def _decide(self, message: dict[str, Any]) -> None:
        params, session = message["params"], message.get("sessionId")
        url = params["request"]["url"]
        self.requested[session].append(url)
        if urlsplit(url).hostname in LOOPBACK:
            self._send("Fetch.continueRequest", {"requestId": params["requestId"]}, session)
        else:
            self.blocked[session].append(url)
            self._send(
                "Fetch.failRequest",
                {"requestId": params["requestId"], "errorReason": "BlockedByClient"},
                session,
            )

    def _send(self, method: str, params: dict[str, Any], session: str | None) -> int:
        with self._write_lock:
            self._next_id += 1
            message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
            if session:
                message["sessionId"] = session
            with self._replies_lock:
                self._replies[self._next_id] = queue.Queue()
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
            return self._next_id

    def call(
        self, method: str, session: str | None = None, timeout: float = 30, **params: Any
    ) -> dict[str, Any]:
        """Send one command and wait for its reply; a protocol error raises AssertionError."""
        ident = self._send(method, params, session)
        try:
            reply = self._replies[ident].get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"Chromium did not answer {method} within {timeout:g} s") from None
        finally:
            with self._replies_lock:
                self._replies.pop(ident, None)
        assert "error" not in reply, f"{method} failed: {reply['error']}"
        return reply.get("result", {})

    def open(self, url: str, timeout: float = 30) -> str:
        """A new tab at WIDTH x HEIGHT, its requests filtered, loaded with `url`: its session id."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Fetch.enable", session, patterns=[{"urlPattern": "*"}])
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.call("Page.enable", session)
        self.call("Page.navigate", session, url=url)
        self.wait_for(session, "document.readyState === 'complete'", timeout)
        return session

    def evaluate(self, session: str, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate",
            session,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        assert "exceptionDetails" not in result, (
            f"{expression} raised: {result['exceptionDetails']}"
        )
        return result["result"].get("value")

    def wait_for(self, session: str, expression: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(session, expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"still false after {timeout:g} s: {expression}")
            time.sleep(0.1)

    def close(self) -> None:
        with contextlib.suppress(OSError, AssertionError):
            self.call("Browser.close", timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stop(self.proc)
        os.close(self._to_browser)
        self._reader.join(timeout=5)
        os.close(self._from_browser)
        self._stderr.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    home = tmp_path_factory.mktemp("chromium")
    (home / "profile").mkdir()
    devtools = DevTools(home / "profile", home / "chromium.log")
    try:
        devtools.call("Browser.getVersion", timeout=60)  # the browser is up and answering
        yield devtools
    finally:
        devtools.close()


def nodes(tree: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of a DOM.getDocument tree, shadow roots (closed ones too) and their contents."""
    yield tree
    for child in (
        *tree.get("children", []),
        *tree.get("shadowRoots", []),
        *([tree["contentDocument"]] if "contentDocument" in tree else []),
    ):
        yield from nodes(child)


def attribute(node: dict[str, Any], name: str) -> str:
    attributes = node.get("attributes", [])
    return dict(zip(attributes[::2], attributes[1::2], strict=True)).get(name, "")


def text_of(node: dict[str, Any]) -> str:
    return " ".join(n["nodeValue"] for n in nodes(node) if n.get("nodeType") == 3)


# --- the tests ---------------------------------------------------------------------------------


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


def test_every_page_with_a_diagram_is_covered(site: Path):
    drawn = sorted(
        page.parent.relative_to(site).as_posix().removeprefix(".") + "/"
        for page in site.rglob("index.html")
        if '<pre class="mermaid">' in page.read_text(encoding="utf-8")
    )
    assert [p.lstrip("/") for p in drawn] == sorted(DIAGRAM_PAGES), (
        f"pages with a diagram: {drawn}; update DIAGRAM_PAGES so each is tested in the browser"
    )


@pytest.mark.parametrize("page", DIAGRAM_PAGES, ids=lambda p: p or "home")
def test_diagrams_render_as_svg_offline(
    page: str, site: Path, base_url: str, browser: DevTools, tmp_path: Path
):
    built = (site / page / "index.html").read_text(encoding="utf-8")
    expected = built.count('<pre class="mermaid">')
    assert expected, f"{page or 'the home page'} has no diagram in the built HTML"
    session = browser.open(base_url + page)
    # material takes each <pre class="mermaid"> off the page and puts a <div class="mermaid">
    # in its place once mermaid has returned the SVG; until then the diagram is raw text.
    try:
        browser.wait_for(
            session, f"document.querySelectorAll('div.mermaid').length === {expected}", timeout=30
        )
    except AssertionError:
        visible = browser.evaluate(session, "document.body.innerText")
        source = visible[visible.find("flowchart") :][:300] if "flowchart" in visible else ""
        pytest.fail(
            f"{page or 'home'}: {expected} diagrams expected as SVG, not drawn; requests "
            f"blocked: {browser.blocked[session]}; on the page as text: {source!r}"
        )
    visible = browser.evaluate(session, "document.body.innerText")
    assert "flowchart" not in visible, f"{page or 'home'} shows diagram source as text"

    # The SVG sits in a closed shadow root, which the DOM domain can still read.
    document = browser.call("DOM.getDocument", session, depth=-1, pierce=True)["root"]
    diagrams = [
        n
        for n in nodes(document)
        if n.get("localName") == "div" and "mermaid" in attribute(n, "class").split()
    ]
    assert len(diagrams) == expected
    for number, diagram in enumerate(diagrams, 1):
        svgs = [n for n in nodes(diagram) if n.get("localName") == "svg"]
        assert svgs, f"{page or 'home'}: diagram {number} has no <svg>"
        shapes = [n for n in nodes(svgs[0]) if "node" in attribute(n, "class").split()]
        label = text_of(svgs[0])
        assert len(shapes) >= 3 and "Syntax error" not in label, (
            f"{page or 'home'}: diagram {number} did not draw its boxes "
            f"({len(shapes)} nodes): {label[:300]!r}"
        )
    if page == "":  # the learning path is drawn from course.toml: every lesson is a box
        label = text_of(diagrams[0])
        for lesson in load_course().lessons:
            assert lesson.title in label, f"the learning path does not show {lesson.title!r}"

    shot = browser.call("Page.captureScreenshot", session, format="png")
    (tmp_path / "page.png").write_bytes(base64.b64decode(shot["data"]))
    assert browser.requested[session], "no request of the page was seen: is the filter on?"
    assert not browser.blocked[session], (
        f"{page or 'home'} asked the network for: {browser.blocked[session]}"
    )


def example_widths() -> dict[str, int]:
    """Each worked example's widest line, in columns, by the title its code block shows."""
    return {
        path.relative_to(COURSE_ROOT).as_posix(): max(
            len(line) for line in path.read_text(encoding="utf-8").splitlines()
        )
        for path in EXAMPLES.rglob("*.py")
    }


CODE_BLOCKS = """[...document.querySelectorAll('div.highlight')].map(d => {
  const code = d.querySelector('pre > code'), name = d.querySelector('.filename');
  return {title: name ? name.textContent.trim() : '', scroll: code.scrollWidth,
          client: code.clientWidth, font: getComputedStyle(code).fontSize};
})"""


def pages_with_examples() -> dict[str, list[str]]:
    """The docs pages that include worked examples, each with the examples it includes."""
    found = {}
    for page in sorted((COURSE_ROOT / "docs").rglob("*.md")):
        text = page.read_text("utf-8")
        included = re.findall(r'^[ \t]*--8<-- "(docs/examples/[^"]+\.py)"', text, re.M)
        if included:
            found[page.relative_to(COURSE_ROOT / "docs").as_posix()] = included
    return found


@pytest.mark.parametrize("doc", sorted(pages_with_examples()))
def test_worked_examples_fit_without_scrolling(
    doc: str, base_url: str, browser: DevTools, tmp_path: Path
):
    """Every worked example (the widest has 100 columns) reads without sideways scrolling."""
    url = base_url + ("" if doc == "index.md" else doc.removesuffix(".md") + "/")
    session = browser.open(url)
    widths = example_widths()
    blocks = [b for b in browser.evaluate(session, CODE_BLOCKS) if b["title"] in widths]
    measured = {b["title"] for b in blocks}
    assert measured == set(pages_with_examples()[doc]), (
        f"{doc}: code blocks titled {sorted(measured)}, the page includes "
        f"{sorted(pages_with_examples()[doc])}"
    )
    too_wide = [
        f"{b['title']} ({widths[b['title']]} columns at {b['font']}): "
        f"{b['scroll']} px of code in a {b['client']} px block"
        for b in blocks
        if b["scroll"] > b["client"]
    ]
    shot = browser.call("Page.captureScreenshot", session, format="png")
    (tmp_path / "page.png").write_bytes(base64.b64decode(shot["data"]))
    assert not too_wide, (
        f"at {WIDTH}x{HEIGHT}, worked examples on {doc} scroll sideways:\n" + "\n".join(too_wide)
    )
