"""Stage 6: reporters. Each turns the same ``Result`` into one output format.

A reporter is a class with ``render(result, color) -> str``; add a module and
an entry in ``FORMATS`` to add a format. Names, SQL, paths and messages come from
the migrations, that is from whoever wrote the pull request: a reporter sends
them through ``escape`` (and lists a flood of findings through ``cap``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from aerich_lint.options import Result

# format name -> "module:Class", imported only when chosen.
FORMATS: dict[str, str] = {
    "text": "aerich_lint.report.text:TextReporter",
    "json": "aerich_lint.report.json:JsonReporter",
    "markdown": "aerich_lint.report.markdown:MarkdownReporter",
    "sarif": "aerich_lint.report.sarif:SarifReporter",
    "github": "aerich_lint.report.github:GithubReporter",
    "gitlab": "aerich_lint.report.gitlab:GitlabReporter",
    "junit": "aerich_lint.report.junit:JunitReporter",
}


class Reporter(Protocol):
    def render(self, result: Result, color: bool) -> str: ...


def get_reporter(name: str) -> Reporter:
    module_name, _, cls = FORMATS[name].partition(":")
    reporter: Reporter = getattr(importlib.import_module(module_name), cls)()
    return reporter
