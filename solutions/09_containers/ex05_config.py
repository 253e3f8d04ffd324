"""Exercise 05 · Configuration from the environment.

Docs: docs/lessons/09-containers.md#ex05-config (the site: `mkdocs serve`, then Lesson 09)

The same image runs on your laptop, in CI and in production; what differs is its configuration,
and that comes from environment variables (the twelve-factor way: `docker run -e PORT=9000`,
Compose's `environment:` and `env_file:`). Read them once, at startup, and check every one of
them there: a service that starts with `BATCH_LIMIT=1o00` and fails at its first big request at
3 a.m. is worse than one that refuses to start with a message naming `BATCH_LIMIT`.

Write `Settings`, a pydantic-settings `BaseSettings`, with these fields, each read from the
environment variable of the same name in upper case (no prefix: `PORT`, not `APP_PORT`):

| field         | variable      | rule                                                 | default     |
|---------------|---------------|------------------------------------------------------|-------------|
| `host`        | `HOST`        | a non-empty `str`                                    | `"0.0.0.0"` |
| `port`        | `PORT`        | an `int` from 1 to 65535                             | `8000`      |
| `model_path`  | `MODEL_PATH`  | a `pathlib.Path` naming an existing file             | required    |
| `log_level`   | `LOG_LEVEL`   | debug, info, warning or error, in any case; stored   | `"info"`    |
|               |               | in lower case (`"WARNING"` -> `"warning"`)           |             |
| `batch_limit` | `BATCH_LIMIT` | an `int` from 1 to 10000                             | `1000`      |

- A number is written in digits ("8000"); "8000.5", "8k" or an empty value is an error, never
  the default. A variable that is set is validated, whatever its value (an empty `LOG_LEVEL` is
  an error, not "info"). The bounds are inclusive.
- Every other variable is ignored: the environment holds PATH, HOME and the variables of other
  programs, and an env file may too.
- Settings are frozen: assigning to a field of a loaded `Settings` raises an error.
- `Settings()` reads the process's environment (pydantic-settings does that), as the service
  does at startup.

And `load_settings(environ=None, env_file=None) -> Settings`, what the service calls at startup:

- `environ`: a mapping of variable names to strings, or None for the process's environment
  (`os.environ`). When a mapping is given, only it is read: a variable that is in `os.environ`
  but not in `environ` does not exist for this call (tests and checks pass their own).
- `environ` is read through `environment(variables)` (given below): inside
  `with environment(variables):`, `Settings()` reads `variables` and nothing else. (Without it,
  pydantic-settings reads `os.environ` whenever a `Settings` is made, even `Settings(port=1)`
  or `Settings.model_validate(...)`: a variable of the process would leak into the result.)
- `env_file`: None, or the path (a `str` or a `Path`) of an env file of `NAME=value` lines
  (`# comments` allowed; python-dotenv's `dotenv_values` reads it as Compose does). A variable set in `environ`
  wins over the same variable in the file. A file that does not exist raises `ConfigError`
  whose message holds the path: a typo in a file name must not start the service on defaults.
- Every problem raises `ConfigError` (define it: a subclass of `ValueError`), never pydantic's
  `ValidationError`, and it is raised by `load_settings` itself: the `Settings` it returns is
  complete and valid, so nothing can fail later, at request time. The message has one line per
  variable that is wrong or missing, each starting with the variable's name, a colon and a
  space ("PORT: Input should be less than or equal to 65535, got '70000'"); every bad variable
  is reported at once, and a variable that is fine is not named.
"""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import Field, FilePath, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class ConfigError(ValueError):
    """The configuration is wrong: the message has one line per bad variable, "NAME: why"."""


_VARIABLES: ContextVar[Mapping[str, str] | None] = ContextVar("_VARIABLES", default=None)


class _GivenVariables(PydanticBaseSettingsSource):
    """A pydantic-settings source reading a mapping of variables instead of os.environ (names
    matched in any case, after the settings' env_prefix, as pydantic-settings matches them)."""

    def __init__(self, settings_cls: type[BaseSettings], variables: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.prefix = str(self.config.get("env_prefix") or "").upper()
        self.variables = {str(name).upper(): value for name, value in variables.items()}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.variables.get(f"{self.prefix}{field_name}".upper()), field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, name)
            if value is not None:
                found[key] = value
        return found


@contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Given: inside `with environment(variables):`, `Settings()` reads `variables` (a mapping of
    variable names to strings) and nothing else, instead of the process's environment."""
    token = _VARIABLES.set(dict(variables))
    try:
        yield
    finally:
        _VARIABLES.reset(token)


class Settings(BaseSettings):
    """The service's configuration, from environment variables (see the module's docstring)."""

    # BEGIN SOLUTION: no prefix, other variables ignored, frozen; the five fields with their bounds
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    host: str = Field("0.0.0.0", min_length=1)
    port: int = Field(8000, ge=1, le=65535)
    model_path: FilePath
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    batch_limit: int = Field(1000, ge=1, le=10_000)

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_case(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    # END SOLUTION

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Given: where Settings() reads its values (see `environment`)."""
        variables = _VARIABLES.get()
        if variables is None:  # the process's environment, as pydantic-settings reads it
            return init_settings, env_settings, dotenv_settings, file_secret_settings
        return init_settings, _GivenVariables(settings_cls, variables)


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | os.PathLike | None = None
) -> Settings:
    """The service's settings from `environ` (None: os.environ) and `env_file`, all checked now;
    `ConfigError` naming every bad variable otherwise."""
    # BEGIN SOLUTION: merge the env file under environ; validate once; explain errors by variable
    variables = dict(os.environ if environ is None else environ)
    if env_file is not None:
        if not Path(env_file).is_file():
            raise ConfigError(f"env file {os.fspath(env_file)!r}: no such file")
        from_file = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
        variables = {**from_file, **variables}
    try:
        with environment(variables):
            return Settings()
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from None


def _explain(exc: ValidationError) -> str:
    """One line per bad variable: "NAME: what is wrong, got 'value'"."""
    lines: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error["loc"] else "CONFIGURATION"
        if error["type"] == "missing":
            lines.setdefault(name, f"{name}: required, but not set")
        else:
            got = str(error.get("input", ""))[:80]
            lines.setdefault(name, f"{name}: {error['msg']}, got {got!r}")
    return "\n".join(lines.values())
    # END SOLUTION
