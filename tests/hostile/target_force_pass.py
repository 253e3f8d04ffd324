"""Hostile pytest plugin placed in a target (as conftest.py, or loaded through pytest.ini).

If the grader ever loaded it, every check's reports would be rewritten as passed, so an untouched
stub would score full marks. The grader must never import anything from the target but the
exercise files themselves.
"""

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome = "passed"
    report.longrepr = None
    return report
