"""JUnit XML for CI test-report views (GitLab ``artifacts:reports:junit``, Jenkins, ...).

One ``<testsuite>`` per app, one ``<testcase>`` per linted migration file
(classname = app, name = file name, file = path). Each finding at or above
``--fail-on`` is a ``<failure>`` (message, type = rule) of its file, whose text
has the location, the fix and the statement; lower ones are listed in the test
case's ``<system-out>``. A file with no failing finding passes. ``tests``
counts test cases and ``failures`` failing test cases. Errors of the run itself
(exit code 2) are ``<error>``s of an extra ``aerich-lint`` suite. The document
is ASCII: other characters are character references, and characters XML cannot
hold (control characters in SQL) are written as ``\\xNN``. In element text, each
field from the migrations is one line, as in the text output (``escape.visible``:
a newline shows as ``\\n``); attributes keep it exact (``&#10;``). So the document
is valid XML whatever the SQL holds, and inert when printed in a job log.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from aerich_lint.report.escape import visible, xml_safe

if TYPE_CHECKING:
    from aerich_lint.model import Finding
    from aerich_lint.options import Result

# What XML 1.0 cannot hold, even as a character reference.
_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """The net under ``visible``: nothing XML 1.0 cannot hold reaches the document."""
    return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _line(f: Finding) -> str:
    where = f"{visible(f.path.as_posix(), None)}:{f.line}:{f.column}:"
    return f"{where} {f.severity.label} {f.rule} {visible(f.message, None)}"


def _details(f: Finding) -> str:
    sql = visible(" ".join(f.statement.split()), None)
    return f"{_line(f)}\n  fix: {visible(f.fix, None)}" + (f"\n  statement: {sql}" if sql else "")


def _display(path: Path) -> Path:
    try:
        return Path(os.path.relpath(os.path.abspath(path)))
    except ValueError:  # another drive on Windows
        return path


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    # Attributes keep the exact text: XML writes a newline in them as &#10;.
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = clean(text)
    return element


class JunitReporter:
    def render(self, result: Result, color: bool) -> str:
        # app -> file path -> findings, in the apps' and their files' order.
        cases: dict[str, dict[Path, list[Finding]]] = {}
        for app in result.apps:
            files = cases.setdefault(app.name, {})
            for migration in app.migrations:
                if migration.report:
                    files.setdefault(_display(migration.path), [])
        for finding in result.findings:
            cases.setdefault(finding.app, {}).setdefault(finding.path, []).append(finding)

        root = ET.Element("testsuites", name="aerich-lint")
        total_tests = total_failures = 0
        for app_name, files in cases.items():
            suite = _sub(root, "testsuite", name=app_name)
            failures = 0
            for path, findings in files.items():
                case = _sub(
                    suite, "testcase", classname=app_name, name=path.name, file=path.as_posix()
                )
                failing = [f for f in findings if f.severity >= result.fail_on]
                for f in failing:
                    _sub(case, "failure", _details(f), message=f.message, type=f.rule)
                others = [f for f in findings if f.severity < result.fail_on]
                if others:
                    _sub(case, "system-out", "\n".join(_line(f) for f in others) + "\n")
                failures += bool(failing)
            suite.set("tests", str(len(files)))
            suite.set("failures", str(failures))
            suite.set("errors", "0")
            suite.set("skipped", "0")
            total_tests += len(files)
            total_failures += failures
        if result.errors:
            suite = _sub(root, "testsuite", name="aerich-lint")
            case = _sub(suite, "testcase", classname="aerich-lint", name="run")
            for error in result.errors:
                _sub(case, "error", visible(error, None), message=error, type="error")
            for key, value in (("tests", 1), ("failures", 0), ("errors", 1), ("skipped", 0)):
                suite.set(key, str(value))
            total_tests += 1
        root.set("tests", str(total_tests))
        root.set("failures", str(total_failures))
        root.set("errors", str(1 if result.errors else 0))
        ET.indent(root)
        data: bytes = ET.tostring(root, encoding="us-ascii", xml_declaration=True)
        return xml_safe(data.decode("ascii")) + "\n"
