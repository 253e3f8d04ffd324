"""Checks for 09_containers/ex05_config (see solutions/09_containers/ex05_config.py).

Every environment is passed explicitly as a mapping: the grader's own os.environ never decides a
verdict. Where the contract is about the process's environment (load_settings() with no mapping,
Settings() itself, a variable of the process that must not leak in), a probe sets os.environ
inside the learner's process and puts it back before it returns.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from autograder.assertions import differential, fail
from autograder.learner_process import Remote

VARIABLES = ["HOST", "PORT", "MODEL_PATH", "LOG_LEVEL", "BATCH_LIMIT"]
FIELDS = {"HOST": "host", "PORT": "port", "MODEL_PATH": "model_path",
          "LOG_LEVEL": "log_level", "BATCH_LIMIT": "batch_limit"}  # fmt: skip
DEFAULTS = {"host": "0.0.0.0", "port": 8000, "log_level": "info", "batch_limit": 1000}
# Variables a real environment holds that are not the service's: all must be ignored.
NOISE = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/home/app",
    "APP_PORT": "not-a-port",
    "SERVICE_PORT": "-5",
    "PYTHONUNBUFFERED": "1",
    "LOG_FORMAT": "json",
}


def _model_file(exchange: Path, name: str = "model.skops") -> str:
    path = exchange / name
    path.write_bytes(b"a model file, as far as the settings know")
    return str(path)


def _describe(environ: dict[str, str]) -> str:
    shown = {k: v for k, v in environ.items() if k in VARIABLES}
    return "environ=" + repr(shown)[:300]


def _fields(settings: Any, where: str) -> dict[str, Any]:
    """The five fields of a learner's Settings, as plain values (model_path as a str)."""
    out: dict[str, Any] = {}
    for name in ("host", "port", "log_level", "batch_limit"):
        try:
            out[name] = getattr(settings, name)
        except AttributeError:
            fail(f"the Settings returned for {where} has no attribute {name!r}")
    try:
        path = settings.model_path
    except AttributeError:
        fail(f"the Settings returned for {where} has no attribute 'model_path'")
    if isinstance(path, Remote):  # a learner's object: its class's name tells a Path
        if type(path).__name__ not in ("PosixPath", "Path"):
            fail(f"model_path is a {type(path).__name__} for {where}, expected a pathlib.Path")
        out["model_path"] = path.as_posix()
    elif isinstance(path, Path):
        out["model_path"] = path.as_posix()
    else:
        fail(
            f"model_path is {path!r} ({type(path).__name__}) for {where}, expected a pathlib.Path: "
            "type the field as a path (pydantic's FilePath), so that the service gets a Path"
        )
    for name in ("port", "batch_limit"):
        if type(out[name]) is not int:
            fail(
                f"{name} is {out[name]!r} ({type(out[name]).__name__}) for {where}, expected an "
                "int: the value must be converted and checked when the settings are loaded, "
                "not later when it is used"
            )
    for name in ("host", "log_level"):
        if type(out[name]) is not str:
            fail(
                f"{name} is {out[name]!r} ({type(out[name]).__name__}) for {where}, expected a str"
            )
    return out


def _load(submission, environ: dict[str, str], where: str, env_file: str | None = None) -> dict:
    try:
        if env_file is None:
            settings = submission.load_settings(environ)
        else:
            settings = submission.load_settings(environ, env_file=env_file)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(
            f"load_settings raised {type(exc).__name__}: {str(exc)[:300]}, for {where}, where "
            "every variable is valid"
        )
    return _fields(settings, where)


def _expect(got: dict, want: dict, where: str) -> None:
    for name, value in want.items():
        if got[name] != value:
            fail(f"{name} is {got[name]!r} for {where}, expected {value!r}")


def _named(message: str) -> set[str]:
    """The variables that lines of a ConfigError's message start with ("PORT: ...")."""
    return {m for line in message.splitlines() for m in re.findall(r"^\s*([A-Z_]+): ", line)}


def _expect_error(
    submission, environ: dict[str, str], bad: list[str], where: str, env_file: str | None = None
) -> str:
    """load_settings must raise a ValueError whose message has a "NAME: " line for each bad
    variable and names no variable that is fine; returns the message."""
    try:
        if env_file is None:
            submission.load_settings(environ)
        else:
            submission.load_settings(environ, env_file=env_file)
    except NotImplementedError:
        raise
    except ValueError as exc:
        message = str(exc)
    except Exception as exc:  # noqa: BLE001
        fail(
            f"for {where}, load_settings raised {type(exc).__name__}: {str(exc)[:200]}; expected "
            "ConfigError (a ValueError) naming " + ", ".join(bad)
        )
    else:
        fail(
            f"for {where}, load_settings returned settings; expected ConfigError naming "
            + ", ".join(bad)
            + ": a bad value must stop the service at startup, never be replaced by a default "
            "nor wait for the first request that uses it"
        )
    missing = [name for name in bad if name not in _named(message)]
    if missing:
        fail(
            f"for {where}, the ConfigError's message is {message[:300]!r}: it has no line "
            f"starting with {missing[0]!r} and a colon. Name the environment variable, as "
            "spelled in the environment (PORT, not port), at the start of its line: whoever "
            "reads the log must know which variable to fix"
        )
    fine = [
        name
        for name in VARIABLES
        if name not in bad and name in environ and re.search(rf"\b{name}\b", message)
    ]
    if fine:
        fail(
            f"for {where}, the ConfigError's message names {fine[0]}, whose value is fine: "
            f"{message[:300]!r}. Name only the variables that are wrong"
        )
    return message


# --- probes, run in the learner's process -----------------------------------------------------


def _plain(settings: Any) -> dict[str, Any]:
    path = getattr(settings, "model_path", None)
    return {
        "host": getattr(settings, "host", None),
        "port": getattr(settings, "port", None),
        "model_path": path.as_posix() if isinstance(path, Path) else repr(path),
        "log_level": getattr(settings, "log_level", None),
        "batch_limit": getattr(settings, "batch_limit", None),
    }


def _outcome(call) -> dict[str, Any]:
    try:
        return {"settings": _plain(call())}
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported as facts
        return {"error": type(exc).__name__, "value_error": isinstance(exc, ValueError),
                "message": str(exc)[:1000]}  # fmt: skip


def _with_process_environ(module, process: dict[str, str], environ: dict | None, how: str) -> dict:
    """Run load_settings(environ) (how="load") or Settings() (how="class") with the process's
    environment holding `process` (and none of the service's variables besides)."""
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.upper() in VARIABLES:
                del os.environ[name]
        os.environ.update(process)
        if how == "class":
            return _outcome(lambda: module.Settings())
        return _outcome(lambda: module.load_settings(environ))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _error_class(module, environ: dict[str, str]) -> dict[str, Any]:
    config_error = getattr(module, "ConfigError", None)
    facts: dict[str, Any] = {
        "defined": isinstance(config_error, type),
        "value_error": isinstance(config_error, type) and issubclass(config_error, ValueError),
    }
    try:
        module.load_settings(environ)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported as facts
        facts["raised"] = type(exc).__name__
        facts["is_config_error"] = isinstance(config_error, type) and isinstance(exc, config_error)
        facts["module"] = type(exc).__module__
    return facts


def _class_facts(module, environ: dict[str, str]) -> dict[str, Any]:
    from pydantic_settings import BaseSettings

    settings_cls = getattr(module, "Settings", None)
    facts: dict[str, Any] = {
        "base_settings": isinstance(settings_cls, type) and issubclass(settings_cls, BaseSettings)
    }
    settings = module.load_settings(environ)
    facts["is_settings"] = isinstance(settings_cls, type) and isinstance(settings, settings_cls)
    before = getattr(settings, "port", None)
    try:
        settings.port = 1234
    except Exception:  # noqa: BLE001 - expected: frozen
        facts["assignment"] = "raised"
    else:
        facts["assignment"] = "accepted"
    facts["port_after"] = getattr(settings, "port", None)
    facts["port_before"] = before
    return facts


# --- the checks -------------------------------------------------------------------------------


class TestLoadSettings:
    def test_defaults(self, submission, exchange):
        model = _model_file(exchange)
        environ = {"MODEL_PATH": model}
        got = _load(submission, environ, "only MODEL_PATH set")
        _expect(got, {**DEFAULTS, "model_path": model}, "only MODEL_PATH set (the defaults)")

    def test_every_variable_read(self, submission, exchange):
        model = _model_file(exchange, "fraud.skops")
        environ = {
            "HOST": "127.0.0.1",
            "PORT": "9001",
            "MODEL_PATH": model,
            "LOG_LEVEL": "debug",
            "BATCH_LIMIT": "250",
            **NOISE,
        }
        where = (
            "every variable set (PORT=9001, HOST, LOG_LEVEL=debug, BATCH_LIMIT=250), among others"
        )
        got = _load(submission, environ, where)
        _expect(
            got,
            {
                "host": "127.0.0.1",
                "port": 9001,
                "model_path": model,
                "log_level": "debug",
                "batch_limit": 250,
            },  # fmt: skip
            where + ": the variables have no prefix (PORT, not APP_PORT)",
        )

    def test_port_bounds(self, submission, exchange):
        model = _model_file(exchange)
        for value, port in (("1", 1), ("65535", 65535), ("8080", 8080)):
            got = _load(submission, {"MODEL_PATH": model, "PORT": value}, f"PORT={value!r}")
            _expect(got, {"port": port}, f"PORT={value!r}")
        for value in ("0", "65536", "-1", "100000", "http", "80.5", ""):
            environ = {"MODEL_PATH": model, "PORT": value, "BATCH_LIMIT": "10"}
            _expect_error(submission, environ, ["PORT"], f"PORT={value!r} (a port is 1..65535)")

    def test_batch_limit_bounds(self, submission, exchange):
        model = _model_file(exchange)
        for value, limit in (("1", 1), ("10000", 10000), ("37", 37)):
            where = f"BATCH_LIMIT={value!r}"
            got = _load(submission, {"MODEL_PATH": model, "BATCH_LIMIT": value}, where)
            _expect(got, {"batch_limit": limit}, where)
        for value in ("0", "10001", "-3", "1o00", "2.5", ""):
            environ = {"MODEL_PATH": model, "BATCH_LIMIT": value, "PORT": "8001"}
            _expect_error(submission, environ, ["BATCH_LIMIT"], f"BATCH_LIMIT={value!r} (1..10000)")

    def test_log_level(self, submission, exchange):
        model = _model_file(exchange)
        for level in ("debug", "info", "warning", "error"):
            for written in (level, level.upper(), level.capitalize()):
                where = f"LOG_LEVEL={written!r}"
                got = _load(submission, {"MODEL_PATH": model, "LOG_LEVEL": written}, where)
                _expect(got, {"log_level": level}, where + " (any case, stored in lower case)")
        for value in ("verbose", "warn", "critical", "trace", "", "info!"):
            environ = {"MODEL_PATH": model, "LOG_LEVEL": value, "PORT": "8002"}
            _expect_error(
                submission, environ, ["LOG_LEVEL"], f"LOG_LEVEL={value!r} (not a known level)"
            )

    def test_model_path(self, submission, exchange):
        model = _model_file(exchange)
        _expect_error(submission, {"PORT": "8003"}, ["MODEL_PATH"], "no MODEL_PATH (required)")
        _expect_error(
            submission, {"MODEL_PATH": "", "PORT": "8003"}, ["MODEL_PATH"], "MODEL_PATH=''"
        )
        nowhere = str(exchange / "missing.skops")
        _expect_error(
            submission,
            {"MODEL_PATH": nowhere, "LOG_LEVEL": "info"},
            ["MODEL_PATH"],
            "MODEL_PATH naming a file that does not exist",
        )
        _expect_error(
            submission,
            {"MODEL_PATH": str(exchange), "BATCH_LIMIT": "5"},
            ["MODEL_PATH"],
            "MODEL_PATH naming a folder, not a file",
        )
        got = _load(submission, {"MODEL_PATH": model}, "MODEL_PATH naming an existing file")
        _expect(got, {"model_path": model}, "MODEL_PATH naming an existing file")

    def test_host(self, submission, exchange):
        model = _model_file(exchange)
        got = _load(submission, {"MODEL_PATH": model, "HOST": "::"}, "HOST='::'")
        _expect(got, {"host": "::"}, "HOST='::'")
        _expect_error(
            submission, {"MODEL_PATH": model, "HOST": "", "PORT": "8004"}, ["HOST"], "HOST=''"
        )

    def test_every_bad_variable_named_at_once(self, submission, exchange):
        model = _model_file(exchange)
        cases = [
            ({"PORT": "0", "BATCH_LIMIT": "lots", "LOG_LEVEL": "info"}, ["PORT", "BATCH_LIMIT",
                                                                          "MODEL_PATH"]),
            ({"MODEL_PATH": model, "PORT": "70000", "LOG_LEVEL": "loud", "HOST": "h"},
             ["PORT", "LOG_LEVEL"]),
            ({"MODEL_PATH": model, "HOST": "", "BATCH_LIMIT": "0", "PORT": "80"},
             ["HOST", "BATCH_LIMIT"]),
        ]  # fmt: skip
        for environ, bad in cases:
            _expect_error(
                submission,
                environ,
                bad,
                f"{_describe(environ)} (every bad variable reported at once, so that one "
                "restart fixes them all)",
            )

    def test_raises_config_error(self, submission, exchange):
        model = _model_file(exchange)
        environ = {"MODEL_PATH": model, "PORT": "99999"}
        facts = submission.observe(_error_class, environ)
        if not facts["defined"] or not facts["value_error"]:
            fail(
                "the module must define ConfigError, a subclass of ValueError (class "
                "ConfigError(ValueError)), so that callers can catch a bad configuration"
            )
        if not facts.get("is_config_error"):
            fail(
                f"for PORT='99999', load_settings raised {facts.get('raised')} (from "
                f"{facts.get('module')}), expected ConfigError: catch pydantic's "
                "ValidationError and raise ConfigError with a message naming each variable"
            )

    def test_env_file(self, submission, exchange):
        model = _model_file(exchange)
        env_file = exchange / "service.env"
        env_file.write_text(
            "# the service's configuration\n"
            f"MODEL_PATH={model}\n"
            "PORT=9100\n"
            "LOG_LEVEL=Warning\n"
            "GRAFANA_ADMIN_USER=admin\n"  # another program's variable: ignored
            "BATCH_LIMIT=40\n",
            encoding="utf-8",
        )
        where = "an env file with MODEL_PATH, PORT=9100, LOG_LEVEL=Warning, BATCH_LIMIT=40"
        got = _load(submission, {}, where + ", environ={}", env_file=str(env_file))
        _expect(
            got,
            {"model_path": model, "port": 9100, "log_level": "warning", "batch_limit": 40},
            where,
        )
        where += ", and environ={'PORT': '9200'} (environ wins over the file)"
        got = _load(submission, {"PORT": "9200"}, where, env_file=str(env_file))
        _expect(got, {"port": 9200, "batch_limit": 40}, where)
        bad_file = exchange / "bad.env"
        bad_file.write_text(f"MODEL_PATH={model}\nBATCH_LIMIT=0\n", encoding="utf-8")
        _expect_error(
            submission, {}, ["BATCH_LIMIT"], "an env file with BATCH_LIMIT=0", str(bad_file)
        )
        missing = exchange / "no-such.env"
        message = _expect_error(
            submission,
            {"MODEL_PATH": model},
            [],
            "env_file naming a file that does not exist",
            str(missing),
        )
        if missing.name not in message:
            fail(
                f"for an env_file that does not exist, the ConfigError's message is "
                f"{message[:200]!r}: name the file ({missing.name}), whose typo would otherwise "
                "start the service on its defaults"
            )

    def test_only_the_given_environ(self, submission, exchange):
        model = _model_file(exchange)
        process = {"PORT": "1234", "LOG_LEVEL": "nonsense", "BATCH_LIMIT": "7", "HOST": "h"}
        out = submission.observe(_with_process_environ, process, {"MODEL_PATH": model}, "load")
        if "error" in out:
            fail(
                "with os.environ holding PORT=1234, LOG_LEVEL=nonsense, BATCH_LIMIT=7, "
                "load_settings({'MODEL_PATH': ...}) raised "
                f"{out['error']}: {out['message'][:200]}: when a mapping is given, only it is "
                "read (use environment(variables))"
            )
        got = out["settings"]
        want = {**DEFAULTS, "model_path": model}
        for name, value in want.items():
            if got[name] != value:
                fail(
                    f"with os.environ holding PORT=1234, LOG_LEVEL=nonsense, BATCH_LIMIT=7, "
                    f"HOST=h, load_settings({{'MODEL_PATH': ...}}) gave {name}={got[name]!r}, "
                    f"expected {value!r}: a variable of the process leaked in; when a mapping "
                    "is given, only it is read (pydantic-settings reads os.environ whenever a "
                    "Settings is made, unless inside environment(variables))"
                )

    def test_process_environment(self, submission, exchange):
        model = _model_file(exchange)
        process = {"MODEL_PATH": model, "PORT": "9300", "LOG_LEVEL": "ERROR", **NOISE}
        for how, call in (("load", "load_settings()"), ("class", "Settings()")):
            out = submission.observe(_with_process_environ, process, None, how)
            where = f"{call} with os.environ holding MODEL_PATH, PORT=9300, LOG_LEVEL=ERROR"
            if "error" in out:
                fail(f"{where} raised {out['error']}: {out['message'][:200]}")
            got = out["settings"]
            want = {"model_path": model, "port": 9300, "log_level": "error", "batch_limit": 1000}
            for name, value in want.items():
                if got[name] != value:
                    fail(f"{where} gave {name}={got[name]!r}, expected {value!r}")
        process = {"MODEL_PATH": model, "PORT": "0"}
        out = submission.observe(_with_process_environ, process, None, "load")
        if "error" not in out or not out["value_error"] or "PORT" not in _named(out["message"]):
            fail(
                "load_settings() with os.environ holding PORT=0 must raise ConfigError naming "
                f"PORT; got {out}"
            )

    def test_settings_class(self, submission, exchange):
        model = _model_file(exchange)
        facts = submission.observe(_class_facts, {"MODEL_PATH": model, "PORT": "8123"})
        if not facts["base_settings"]:
            fail("Settings must be a pydantic-settings BaseSettings (class Settings(BaseSettings))")
        if not facts["is_settings"]:
            fail("load_settings must return an instance of Settings")
        if facts["assignment"] != "raised" or facts["port_after"] != facts["port_before"]:
            fail(
                "assigning settings.port = 1234 on loaded settings was accepted (port is now "
                f"{facts['port_after']!r}): settings are frozen (model_config frozen=True), so "
                "that nothing changes the configuration after startup"
            )


# --- differential on generated environments ---------------------------------------------------

GOOD = {
    "HOST": ["127.0.0.1", "0.0.0.0", "service.internal"],
    "PORT": ["1", "80", "8000", "65535", "4242"],
    "LOG_LEVEL": ["debug", "INFO", "Warning", "error"],
    "BATCH_LIMIT": ["1", "999", "10000", "64"],
}
BAD = {
    "HOST": [""],
    "PORT": ["0", "65536", "eighty", "", "-80", "1.5"],
    "LOG_LEVEL": ["verbose", "", "fatal", "warn"],
    "BATCH_LIMIT": ["0", "10001", "many", "", "-1"],
}


def _environments(model: str, missing: str, n: int):
    rng = np.random.default_rng(2024)
    for k in range(n):
        environ: dict[str, str] = {}
        for name in ("HOST", "PORT", "LOG_LEVEL", "BATCH_LIMIT"):
            pick = rng.random()
            if pick < 0.3:
                continue
            pool = GOOD[name] if pick < 0.8 else BAD[name]
            environ[name] = str(pool[int(rng.integers(len(pool)))])
        pick = rng.random()
        if pick < 0.8:
            environ["MODEL_PATH"] = model
        elif pick < 0.9:
            environ["MODEL_PATH"] = missing
        if k % 3 == 0:
            environ.update(NOISE)
        yield environ


def _verdict(fn, environ: dict[str, str]) -> tuple:
    try:
        settings = fn(environ)
    except NotImplementedError:
        raise
    except ValueError as exc:
        return ("ConfigError", tuple(sorted(_named(str(exc)))))
    fields = _fields(settings, _describe(environ))
    return ("settings", tuple(sorted(fields.items())))


class TestDifferential:
    def test_generated_environments(self, submission, reference, exchange):
        model = _model_file(exchange)
        missing = str(exchange / "gone.skops")
        cases = [
            (_describe(environ), lambda fn, e=environ: _verdict(fn, e))
            for environ in _environments(model, missing, 60)
        ]

        def compare(got, expected, where):
            if got != expected:
                fail(f"{where}: expected {expected}, got {got}")

        differential(
            cases, submission.load_settings, reference.load_settings, compare, "load_settings"
        )
