"""The stable, versioned JSON report (schema: `autograder/schemas/report.schema.json`)."""

from __future__ import annotations

import json
from pathlib import Path

from ..results import GradeReport

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "report.schema.json"


def render(report: GradeReport) -> str:
    return json.dumps(report.to_dict(), indent=2) + "\n"
