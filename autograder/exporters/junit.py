"""JUnit XML: a testsuite per exercise, a testcase per check (classname = exercise id)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..results import ERROR, FAILED, NOT_ATTEMPTED, TIMEOUT, GradeReport


def render(report: GradeReport) -> str:
    suites = ET.Element("testsuites", name="mlgrade", tests=str(sum(len(e.checks) for e in report.exercises)),
                        time=f"{report.duration_s:.3f}")
    for ex in report.exercises:
        failures = sum(c.status in (FAILED, NOT_ATTEMPTED) for c in ex.checks)
        errors = sum(c.status in (ERROR, TIMEOUT) for c in ex.checks)
        suite = ET.SubElement(suites, "testsuite", name=ex.id, tests=str(len(ex.checks)),
                              failures=str(failures), errors=str(errors), skipped="0",
                              time=f"{sum(c.duration_s for c in ex.checks):.3f}")
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="score", value=f"{ex.score:g}")
        ET.SubElement(props, "property", name="max_score", value=f"{ex.max_score:g}")
        for check in ex.checks:
            case = ET.SubElement(suite, "testcase", classname=ex.id, name=check.name,
                                 time=f"{check.duration_s:.3f}")
            if check.status in (FAILED, NOT_ATTEMPTED):
                kind = "not attempted" if check.status == NOT_ATTEMPTED else "failed"
                ET.SubElement(case, "failure", message=check.message or kind, type=kind).text = check.message
            elif check.status in (ERROR, TIMEOUT):
                ET.SubElement(case, "error", message=check.message, type=check.status).text = check.message
            if check.output:
                ET.SubElement(case, "system-out").text = check.output
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
