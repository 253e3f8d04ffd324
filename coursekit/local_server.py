"""A real uvicorn server on 127.0.0.1 in a thread of this process: for checks, tests and examples.

One place for the settings every in-process server of the course uses (a free port, h11, no
access log, a one-second graceful shutdown) and for stopping it with bounded waits. Lesson 08's
checks wrap it to probe how the learner's service starts; `coursedata.llm.serving` serves the
simulated provider with it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def uvicorn_thread(
    app: Any, *, lifespan: str = "on", name: str = "uvicorn", stop_timeout: float = 10.0
) -> Iterator[tuple[Any, threading.Thread]]:
    """Start `app` under uvicorn on 127.0.0.1 (port 0: a free one) in a daemon thread; yield
    (server, thread) at once, without waiting for it to listen (`server.started`, then
    `bound_port(server)`); on exit ask it to stop, wait up to `stop_timeout` seconds, then force."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            loop="asyncio",
            http="h11",
            ws="none",
            lifespan=lifespan,
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        yield server, thread
    finally:
        server.should_exit = True
        thread.join(stop_timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(1.0)


def bound_port(server: Any) -> int:
    """The port a started uvicorn server listens on."""
    return server.servers[0].sockets[0].getsockname()[1]
