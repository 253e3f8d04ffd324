"""The container's entry point: lesson 08's scoring service, configured from the environment.

The image of lesson 09 runs one of

    uvicorn coursekit.service:app --host 0.0.0.0 --port "$PORT"
    python3 -m coursekit.service          # host, port and log level from the settings too

Either way the settings are read once, at startup, with `coursekit.settings.load_settings`
(lesson 09 exercise 05's reference): MODEL_PATH (required), BATCH_LIMIT, PORT, HOST, LOG_LEVEL.
A bad or missing variable stops the process before it serves anything, with a message naming the
variable (exit status 1), never at the first request. The app is
`create_app(settings.model_path, max_batch=settings.batch_limit)` (coursekit.app, lesson 08
exercise 02's reference), which loads the model in its lifespan.

Importing this module reads nothing: `app` and `settings` are made when first asked for (as
uvicorn does right after the import), once, so that a test or a tool can import it safely.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from coursekit.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

_made: dict[str, Any] = {}  # "settings" and "app", once made


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The service's settings from `environ` (None: the process's environment); on a bad
    configuration, SystemExit with the message naming each bad variable."""
    try:
        return load_settings(environ)
    except ConfigError as exc:
        raise SystemExit(f"coursekit.service: bad configuration, not starting:\n{exc}") from None


def build_app(settings: Settings) -> FastAPI:
    """The scoring service for `settings`: lesson 08's app, its batch limit from the settings."""
    from coursekit.app import create_app

    return create_app(settings.model_path, max_batch=settings.batch_limit)


def __getattr__(name: str) -> Any:
    """`coursekit.service.settings` and `coursekit.service.app`, made on first use (PEP 562)."""
    if name == "settings":
        if "settings" not in _made:
            _made["settings"] = read_settings()
        return _made["settings"]
    if name == "app":
        if "app" not in _made:
            _made["app"] = build_app(__getattr__("settings"))
        return _made["app"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(environ: Mapping[str, str] | None = None) -> None:
    """Serve with uvicorn on the settings' host and port, at their log level, until SIGTERM or
    SIGINT (uvicorn then finishes the requests in flight and runs the app's shutdown)."""
    import uvicorn

    settings = read_settings(environ)
    uvicorn.run(
        build_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
    )


if __name__ == "__main__":
    main()
