"""The one result model every exporter reads: check → exercise → report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

SCHEMA_VERSION = 1

PASSED = "passed"
FAILED = "failed"
ERROR = "error"
TIMEOUT = "timeout"
NOT_ATTEMPTED = "not_attempted"
STATUSES = (PASSED, FAILED, ERROR, TIMEOUT, NOT_ATTEMPTED)


@dataclass
class CheckResult:
    name: str
    status: str
    message: str = ""
    duration_s: float = 0.0
    output: str = ""  # the learner's captured stdout/stderr, truncated
    hidden: bool = False  # an instructor-only check (from --extra-checks)
    observed: bool = False  # measured inside the learner's process (see learner_process.py)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown check status {self.status!r}")


@dataclass
class ExerciseResult:
    id: str
    title: str
    points: float  # what the visible checks are worth
    checks: list[CheckResult] = field(default_factory=list)
    hidden_points: float = 0.0  # what the hidden checks graded in this run are worth

    @property
    def max_score(self) -> float:
        return self.points + self.hidden_points

    def group_score(self, hidden: bool) -> float:
        """Points earned by the visible (or the hidden) checks: their worth times the share passed."""
        worth = self.hidden_points if hidden else self.points
        group = [c for c in self.checks if c.hidden == hidden]
        return worth * sum(c.status == PASSED for c in group) / len(group) if group else 0.0

    @property
    def score(self) -> float:
        return round(self.group_score(False) + self.group_score(True), 2)

    @property
    def status(self) -> str:
        statuses = {c.status for c in self.checks}
        if not statuses or statuses == {NOT_ATTEMPTED}:
            return NOT_ATTEMPTED
        if statuses == {PASSED}:
            return PASSED
        for worst in (ERROR, TIMEOUT, FAILED):
            if worst in statuses:
                return worst
        return FAILED  # some passed, the rest not attempted: partly done

    @property
    def lesson_id(self) -> str:
        return self.id.split("/", 1)[0]

    def to_dict(self) -> dict:
        data = {
            "id": self.id,
            "title": self.title,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "checks": [asdict(c) for c in self.checks],
        }
        if self.hidden_points:
            data["hidden_max_score"] = self.hidden_points
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ExerciseResult:
        hidden = float(data.get("hidden_max_score", 0.0))
        checks = [CheckResult(**c) for c in data["checks"]]
        return cls(data["id"], data["title"], float(data["max_score"]) - hidden, checks, hidden)


@dataclass
class GradeReport:
    target: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    duration_s: float = 0.0
    held_back: float = 0.0  # points in hidden checks that this run did not grade
    notes: list[str] = field(
        default_factory=list
    )  # what the grader ignored or refused, for the instructor
    sandbox: str = "none"  # "namespaces" when the learner's code ran sandboxed (sandbox.py)

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 2)

    @property
    def max_score(self) -> float:
        return round(sum(e.max_score for e in self.exercises), 2)

    @property
    def passed(self) -> bool:
        """True when every selected check passed."""
        return bool(self.exercises) and all(e.status == PASSED for e in self.exercises)

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "target": self.target,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "score": self.score,
            "max_score": self.max_score,
            "held_back_points": self.held_back,
            "sandbox": self.sandbox,
            "notes": list(self.notes),
            "exercises": [e.to_dict() for e in self.exercises],
        }

    @classmethod
    def from_dict(cls, data: dict) -> GradeReport:
        report = cls(
            target=data["target"],
            started_at=data.get("started_at", ""),
            duration_s=data.get("duration_s", 0.0),
            held_back=data.get("held_back_points", 0.0),
            notes=list(data.get("notes", [])),
            sandbox=data.get("sandbox", "none"),
        )
        report.exercises = [ExerciseResult.from_dict(e) for e in data["exercises"]]
        return report
