"""Inside a sandboxed child: the project's own modules it has imported, which is what
its answer depends on besides installed packages (the parent keeps an answer while
their digests are unchanged: ``prepare/answers.py``)."""

from __future__ import annotations

import os
import sys


def project_files(paths: list[str]) -> list[str]:
    roots = [os.path.join(os.path.abspath(p), "") for p in paths]
    found = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            continue
        path = os.path.abspath(path)
        if "site-packages" in path or "dist-packages" in path:
            continue  # installed packages (a virtual environment inside the project)
        if any(path.startswith(root) for root in roots):
            found.add(path)
    return sorted(found)
