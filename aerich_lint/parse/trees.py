"""sqlglot's side of parsing: its dialect objects, and which of its trees are whole
statements a rule can read. Shared by the statement parser (``sql.py``) and the
modules that re-parse pieces (PostgreSQL's rescues, function bodies, verify's guard)."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect as SqlglotDialect

from aerich_lint.dialects import spec
from aerich_lint.model import Dialect

# Expression types that are whole statements; anything else (a bare word
# parses as a Column) is not something the linter can vouch for.
_STATEMENT_TYPES = (
    "Alter", "Analyze", "Command", "Comment", "Commit", "Create", "Delete", "Describe",
    "Drop", "Grant", "Insert", "Merge", "Pragma", "Revoke", "Rollback", "Select", "Set",
    "TruncateTable", "Transaction", "Union", "Except", "Intersect", "Update", "Use",
    "Values", "Copy", "LoadData",
)  # fmt: skip


@cache
def dialect_for(dialect: Dialect) -> Any:
    """sqlglot's dialect object (imported and built once)."""
    # Command fallbacks are reported by us (unrecognized-sql), not logged.
    logging.getLogger("sqlglot").setLevel(logging.CRITICAL)
    return SqlglotDialect.get_or_raise(spec(dialect).sqlglot_name)


def is_statement(expression: exp.Expr) -> bool:
    """Is the tree a whole statement a rule can read (not an opaque Command)?"""
    return not isinstance(expression, exp.Command) and type(expression).__name__ in _STATEMENT_TYPES
