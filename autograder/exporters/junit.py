"""JUnit XML: a testsuite per exercise, a testcase per check (classname = exercise id)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..results import ERROR, FAILED, NOT_ATTEMPTED, TIMEOUT, GradeReport

# Characters XML 1.0 cannot hold at all, escaped or not (a learner's coloured output holds ESC).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    """`text` with each character XML cannot hold shown as \\xNN, so the file always parses."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def render(report: GradeReport) -> str:
    suites = ET.Element(
        "testsuites",
        name="mlgrade",
        tests=str(sum(len(e.checks) for e in report.exercises)),
        time=f"{report.duration_s:.3f}",
    )
    for ex in report.exercises:
        failures = sum(c.status in (FAILED, NOT_ATTEMPTED) for c in ex.checks)
        errors = sum(c.status in (ERROR, TIMEOUT) for c in ex.checks)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=ex.id,
            tests=str(len(ex.checks)),
            failures=str(failures),
            errors=str(errors),
            skipped="0",
            time=f"{sum(c.duration_s for c in ex.checks):.3f}",
        )
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="score", value=f"{ex.score:g}")
        ET.SubElement(props, "property", name="max_score", value=f"{ex.max_score:g}")
        ET.SubElement(props, "property", name="sandbox", value=report.sandbox)
        for check in ex.checks:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=ex.id,
                name=_xml(check.name),
                time=f"{check.duration_s:.3f}",
            )
            if check.status in (FAILED, NOT_ATTEMPTED):
                kind = "not attempted" if check.status == NOT_ATTEMPTED else "failed"
                message = _xml(check.message)
                ET.SubElement(case, "failure", message=message or kind, type=kind).text = message
            elif check.status in (ERROR, TIMEOUT):
                message = _xml(check.message)
                ET.SubElement(case, "error", message=message, type=check.status).text = message
            if check.output:
                ET.SubElement(case, "system-out").text = _xml(check.output)
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
