"""Read sqlglot's expression trees into the plain facts of ``effects.py``.

The only module (with ``sql.py`` beside it) that knows sqlglot's tree shapes.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

from sqlglot import exp

from aerich_lint.effects import (
    AddColumn,
    AddConstraint,
    AlterOptions,
    ChangeColumn,
    ColumnInfo,
    ConstraintInfo,
    CreateDatabase,
    CreateIndex,
    CreateTable,
    Ddl,
    DeleteRows,
    DropColumn,
    DropConstraint,
    DropDatabase,
    DropIndex,
    DropTable,
    Effect,
    InsertRows,
    ReadRows,
    RenameColumn,
    RenameTable,
    Setting,
    TableCommand,
    Truncate,
    UpdateRows,
)
from aerich_lint.model import Dialect
from aerich_lint.parse import postgres


def ident(node: Any) -> str:
    """An identifier's name; unquoted names fold to lower case as aerich's do."""
    if node is None:
        return ""
    if isinstance(node, exp.Identifier):
        name = str(node.name)
        return name if node.quoted else name.lower()
    if isinstance(node, (exp.Column, exp.Table)):
        return ident(node.this)
    return str(node.name if hasattr(node, "name") else node).lower()


def table_name(node: Any) -> str:
    if isinstance(node, exp.Schema):
        node = node.this
    if not isinstance(node, exp.Table):
        return ident(node)
    name = ident(node.this)
    schema = ident(node.args.get("db"))
    return f"{schema}.{name}" if schema and schema != "public" else name


def type_text(kind: Any) -> str:
    return _generator().generate(kind, copy=False).upper() if kind is not None else ""


@cache
def _generator() -> Any:
    """One shared generator: ``DataType.sql()`` would build a new one per call."""
    from sqlglot.generator import Generator

    return Generator()


def column_info(col: exp.ColumnDef, dialect: Dialect) -> ColumnInfo:
    kind = col.args.get("kind")
    # sqlglot's own spelling, not the dialect's: SQLite would turn VARCHAR(200) into TEXT(200).
    type_sql = type_text(kind)
    not_null = primary_key = unique = generated = cascade = False
    default = comment = references = None
    for constraint in col.args.get("constraints") or []:
        c = constraint.args.get("kind")
        if isinstance(c, exp.NotNullColumnConstraint):
            not_null = not c.args.get("allow_null")
        elif isinstance(c, exp.PrimaryKeyColumnConstraint):
            primary_key = not_null = True
        elif isinstance(c, exp.UniqueColumnConstraint):
            unique = True
        elif isinstance(c, exp.DefaultColumnConstraint):
            default = c.this.sql(dialect=dialect.value) if c.this is not None else "NULL"
        elif isinstance(c, exp.CommentColumnConstraint):
            comment = c.this.sql(dialect=dialect.value) if c.this is not None else ""
        elif isinstance(c, exp.Reference):
            references = table_name(c.this)
            cascade = _cascades(c)
        elif isinstance(c, _GENERATED):
            generated = True
    if type_sql in {"SERIAL", "BIGSERIAL", "SMALLSERIAL"}:
        not_null = generated = True
    return ColumnInfo(
        ident(col.this),
        type_sql,
        not_null,
        default,
        primary_key,
        unique,
        comment,
        references,
        generated=generated,
        cascade=cascade,
    )


def _cascades(reference: exp.Reference) -> bool:
    """Does the reference delete the referencing rows (ON DELETE CASCADE)?"""
    options = [" ".join(str(o).upper().split()) for o in reference.args.get("options") or []]
    return "ON DELETE CASCADE" in options


# Column constraints whose column the database fills itself.
_GENERATED = (
    exp.AutoIncrementColumnConstraint,
    exp.ComputedColumnConstraint,
    exp.GeneratedAsIdentityColumnConstraint,
    exp.GeneratedAsRowColumnConstraint,
)


def compute(e: exp.Expr, dialect: Dialect) -> list[Effect]:
    """The facts of one parsed statement (and a ``Ddl`` fact for a schema statement)."""
    out = _compute(e, dialect)
    ddl = _ddl(e)
    return [*out, ddl] if ddl is not None else out


# Opaque statements (sqlglot Commands) that define schema, by their first word.
_DDL_WORDS = frozenset({"ALTER", "CREATE", "DROP", "RENAME", "TRUNCATE", "COMMENT"})


def _ddl(e: exp.Expr) -> Ddl | None:
    if isinstance(e, (exp.Create, exp.Drop, exp.Alter)):
        kind = str(e.args.get("kind") or "").upper()
        verb = f"{type(e).__name__.upper()} {kind}".strip()
        properties = e.args.get("properties")
        temporary = bool(e.args.get("temporary")) or any(
            isinstance(p, exp.TemporaryProperty)
            for p in (properties.expressions if properties is not None else [])
        )
        target = e.this
        if isinstance(e, exp.Drop) and e.args.get("tables"):
            target = e.args["tables"][0]
        table = table_name(target) if kind == "TABLE" and target is not None else ""
        return Ddl(table, verb=verb, temporary=temporary)
    if isinstance(e, exp.TruncateTable):
        return Ddl(table_name(e.expressions[0]) if e.expressions else "", verb="TRUNCATE TABLE")
    if isinstance(e, exp.Comment):
        return Ddl("", verb="COMMENT")
    if isinstance(e, exp.Command) and str(e.this).upper() in _DDL_WORDS:
        return Ddl("", verb=str(e.this).upper())
    return None


def _compute(e: exp.Expr, dialect: Dialect) -> list[Effect]:
    if isinstance(e, exp.Create):
        return _create(e, dialect)
    if isinstance(e, exp.Drop):
        return _drop(e)
    if isinstance(e, exp.Alter) and str(e.args.get("kind") or "").upper() == "TABLE":
        facts = _alter_table(e, dialect)
        # ALTER TABLE IF EXISTS: PostgreSQL and MariaDB (SQLite has no such clause)
        if e.args.get("exists") and dialect != Dialect.SQLITE:
            return [
                replace(f, table_if_exists=True) if isinstance(f, _TABLE_ACTIONS) else f
                for f in facts
            ]
        return facts
    if isinstance(e, exp.TruncateTable):
        return [Truncate(table_name(t)) for t in e.expressions]
    if isinstance(e, exp.Delete):
        return [DeleteRows(table_name(e.this), has_where=e.args.get("where") is not None)]
    if isinstance(e, exp.Update):
        pairs = [item for item in e.expressions if isinstance(item, exp.EQ)]
        return [
            UpdateRows(
                table_name(e.this),
                has_where=e.args.get("where") is not None,
                columns=tuple(_set_column(item.this, dialect) for item in pairs),
                computed=bool(pairs)
                and all(
                    item.expression is not None and item.expression.find(exp.Column) is not None
                    for item in pairs
                ),
            )
        ]
    if isinstance(e, exp.Insert):
        target = e.this
        if isinstance(target, exp.Schema):
            named = tuple(
                c.name for c in target.expressions if isinstance(c, (exp.Identifier, exp.Column))
            )
            return [InsertRows(table_name(target.this), columns=named)]
        return [InsertRows(table_name(target))]
    if isinstance(e, exp.Set):
        return [s for item in e.expressions if (s := _setting(item)) is not None]
    if isinstance(e, exp.Copy) and isinstance(e.this, (exp.Table, exp.Schema)):
        # COPY t FROM ... loads rows into t; COPY t TO ... only reads them
        table = table_name(e.this.this if isinstance(e.this, exp.Schema) else e.this)
        return [InsertRows(table) if e.args.get("kind") else ReadRows(table)]
    if dialect == Dialect.POSTGRES and isinstance(e, exp.Select):
        settings = postgres.set_config_calls(e)  # SELECT set_config('name', 'value', local)
        if settings:
            return list(settings)
    if isinstance(e, exp.Pragma):
        pragma = _pragma(e)
        return [ReadRows("")] if pragma.name in _PRAGMA_READS else [pragma]
    if _read_only(e):
        first = e.find(exp.Table)
        return [ReadRows(table_name(first) if first is not None else "")]
    if isinstance(e, exp.Command):
        return _command(e, dialect)
    return []


def _set_column(target: Any, dialect: Dialect) -> str:
    """The column an UPDATE's ``SET a.b = ...`` sets: on PostgreSQL field b of composite
    column a (it refuses a table-qualified target); elsewhere column b of table a."""
    if dialect == Dialect.POSTGRES and isinstance(target, exp.Column) and target.table:
        return ident(target.parts[0])
    return ident(target)


# PRAGMAs that only report (sqlglot reads ``table_info(t)`` as ``table_info = t``).
_PRAGMA_READS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "foreign_key_check",
        "database_list",
        "compile_options",
        "integrity_check",
        "quick_check",
    }
)
# Functions a read-only query may call. Any other function sqlglot does not know
# (setval, nextval, pg_advisory_lock, a project's own function ...) may write.
_READ_FUNCTIONS = frozenset(
    {
        "to_regclass",
        "to_regtype",
        "to_regproc",
        "to_regnamespace",
        "current_database",
        "current_schema",
        "current_schemas",
        "current_setting",
        "version",
        "format_type",
        "obj_description",
        "col_description",
        "pg_table_is_visible",
        "pg_relation_size",
        "pg_total_relation_size",
        "pg_table_size",
        "pg_indexes_size",
        "quote_ident",
        "database",
        "schema",
    }
)
_READ_PREFIXES = ("pg_get_", "has_", "pg_is_", "pg_has_")


def _read_only(e: exp.Expr) -> bool:
    """A query that changes nothing: a SELECT (or SHOW) with no INTO, no row locks,
    no data-changing CTE and no call to a function that could write."""
    if isinstance(e, exp.Show):
        return True
    if not isinstance(e, (exp.Select, exp.SetOperation)):
        return False
    if any(s.args.get("into") or s.args.get("locks") for s in e.find_all(exp.Select)):
        return False
    if next(e.find_all(exp.Delete, exp.Update, exp.Insert, exp.Merge), None) is not None:
        return False
    for call in e.find_all(exp.Anonymous):
        name = str(call.name).lower()
        if name not in _READ_FUNCTIONS and not name.startswith(_READ_PREFIXES):
            return False
    return True


# The facts an ALTER TABLE action gives that carry ``table_if_exists``.
_TABLE_ACTIONS = (
    AddColumn,
    AddConstraint,
    ChangeColumn,
    CreateIndex,
    DropColumn,
    DropConstraint,
    DropIndex,
    RenameColumn,
    RenameTable,
)


def _setting(item: Any) -> Setting | None:
    node = item.this if isinstance(item, exp.SetItem) else item
    if isinstance(node, exp.EQ):
        name = node.this.sql().lower() if node.this is not None else ""
        value = node.expression
        text = value.name if isinstance(value, exp.Literal) else value.sql()
        local = isinstance(item, exp.SetItem) and str(item.args.get("kind") or "") == "LOCAL"
        return Setting("", name=name, value=str(text), local=local)
    return None


def _pragma(e: exp.Pragma) -> Setting:
    node = e.this
    if isinstance(node, exp.EQ):
        name, value = node.this.sql(), node.expression.sql()
    elif isinstance(node, exp.Property):
        name, value = str(node.name), node.args["value"].sql() if node.args.get("value") else ""
    else:
        name, value = (node.sql() if node is not None else ""), ""
    return Setting("", name=name.lower(), value=value.strip("'\"").lower(), pragma=True)


def _create(e: exp.Create, dialect: Dialect) -> list[Effect]:
    kind = str(e.args.get("kind") or "").upper()
    if kind == "TABLE":
        schema = e.this
        items = schema.expressions if isinstance(schema, exp.Schema) else []
        columns = tuple(column_info(c, dialect) for c in items if isinstance(c, exp.ColumnDef))
        constraints = tuple(
            c
            for item in items
            if not isinstance(item, exp.ColumnDef)
            for c in [_constraint(item, dialect)]
            if c is not None
        )
        return [CreateTable(table_name(schema), columns, bool(e.args.get("exists")), constraints)]
    if kind == "DATABASE":
        return [CreateDatabase("", name=table_name(e.this))]
    if kind == "FUNCTION" and dialect == Dialect.POSTGRES:
        function = postgres.created_function(e)
        return [function] if function is not None else []
    if kind == "INDEX":
        index = e.this
        table = index.args.get("table") if isinstance(index, exp.Index) else None
        params = index.args.get("params") if isinstance(index, exp.Index) else None
        cols = (
            _names(params.args.get("columns"), dialect)
            + _names(params.args.get("include"), dialect)
            if params is not None
            else ()
        )
        return [
            CreateIndex(
                table_name(table),
                name=ident(index.this) if isinstance(index, exp.Index) else "",
                unique=bool(e.args.get("unique")),
                columns=cols,
                concurrently=bool(e.args.get("concurrently")),
                if_not_exists=bool(e.args.get("exists")),
            )
        ]
    return []


def _names(nodes: Any, dialect: Dialect) -> tuple[str, ...]:
    """The columns a key, index or constraint column list uses, in order and once each:
    a plain column, or the columns inside ``lower(name)``, ``(a + b)``, ``name
    text_pattern_ops``, ``name COLLATE "C" DESC NULLS LAST``, MySQL's ``name(10)``."""
    out: dict[str, None] = {}
    for node in nodes or []:
        out.update(dict.fromkeys(_key_columns(node, dialect)))
    return tuple(out)


def _key_columns(node: Any, dialect: Dialect) -> list[str]:
    while isinstance(node, (exp.Ordered, exp.Opclass, exp.Collate, exp.ColumnPrefix)):
        node = node.this  # Opclass / Collate: the operator class or collation is `expression`
    if isinstance(node, (exp.Column, exp.Identifier)):
        return [ident(node)]
    if (
        dialect == Dialect.MYSQL
        and isinstance(node, exp.Anonymous)
        and len(node.expressions) == 1
        and isinstance(node.expressions[0], exp.Literal)
    ):
        return [ident(node.this)]  # a prefix key part, name(10), that sqlglot reads as a call
    if isinstance(node, exp.Expr):
        return [ident(c) for c in node.find_all(exp.Column)]
    return [ident(node)] if node is not None else []


def _constraint(item: Any, dialect: Dialect) -> ConstraintInfo | None:
    """A table-level constraint or index of CREATE TABLE / ADD CONSTRAINT / ADD INDEX."""
    name = ""
    node = item
    if isinstance(item, exp.Constraint):
        name = ident(item.this)
        node = item.expressions[0] if item.expressions else None
    if isinstance(node, exp.ForeignKey):
        ref = node.args.get("reference")
        target = table_name(ref.this) if isinstance(ref, exp.Reference) else None
        return ConstraintInfo(
            name,
            "FOREIGN KEY",
            _names(node.expressions, dialect),
            target,
            cascade=isinstance(ref, exp.Reference) and _cascades(ref),
        )
    if isinstance(node, exp.PrimaryKey):
        return ConstraintInfo(name, "PRIMARY KEY", _names(node.expressions, dialect))
    if isinstance(node, exp.UniqueColumnConstraint):
        target = node.this
        if isinstance(target, exp.Schema):  # MySQL: UNIQUE [KEY|INDEX] name (cols)
            return ConstraintInfo(
                name or ident(target.this), "UNIQUE", _names(target.expressions, dialect)
            )
        return ConstraintInfo(name, "UNIQUE", ())
    if isinstance(node, exp.IndexColumnConstraint):
        return ConstraintInfo(ident(node.this), "INDEX", _names(node.expressions, dialect))
    if isinstance(node, exp.CheckColumnConstraint):
        return ConstraintInfo(name, "CHECK", not_null_columns=_not_null_columns(node.this))
    if node is None:
        return None
    return ConstraintInfo(name, type(node).__name__.upper())


def _drop(e: exp.Drop) -> list[Effect]:
    kind = str(e.args.get("kind") or "").upper()
    targets = e.args.get("tables") or ([e.this] if e.this is not None else [])
    if kind == "TABLE":
        return [DropTable(table_name(t), if_exists=bool(e.args.get("exists"))) for t in targets]
    if kind == "DATABASE":
        return [DropDatabase("", table_name(t), bool(e.args.get("exists"))) for t in targets]
    if kind == "INDEX":
        on = e.args.get("cluster")  # MySQL: DROP INDEX name ON table
        table = table_name(on.this) if isinstance(on, exp.OnProperty) else ""
        return [
            DropIndex(
                table,
                name=ident(t),
                concurrently=bool(e.args.get("concurrently")),
                if_exists=bool(e.args.get("exists")),
            )
            for t in targets
        ]
    return []


def _alter_table(e: exp.Alter, dialect: Dialect) -> list[Effect]:
    table = table_name(e.this)
    out: list[Effect] = []
    options = {type(o).__name__: o.this.name.upper() for o in e.args.get("options") or [] if o.this}
    if options:
        out.append(
            AlterOptions(
                table,
                algorithm=options.get("AlgorithmProperty", ""),
                lock=options.get("LockProperty", ""),
            )
        )
    for action in e.args.get("actions") or []:
        if isinstance(action, exp.ColumnDef):
            pg = dialect == Dialect.POSTGRES
            out.append(
                AddColumn(
                    table,
                    column_info(action, dialect),
                    if_not_exists=bool(action.args.get("exists")),
                    default_calls=postgres.default_calls(postgres.column_default(action))
                    if pg
                    else (),
                    generation=postgres.generation(action) if pg else "",
                )
            )
        elif isinstance(action, exp.Drop):
            kind = str(action.args.get("kind") or "").upper()
            names = action.args.get("tables") or ([action.this] if action.this else [])
            for name in names:
                if kind == "COLUMN":
                    out.append(DropColumn(table, ident(name), bool(action.args.get("exists"))))
                elif kind in {"INDEX", "KEY"}:
                    out.append(
                        DropIndex(
                            table, name=ident(name), if_exists=bool(action.args.get("exists"))
                        )
                    )
                elif kind in {"CONSTRAINT", "FOREIGN KEY", "CHECK"}:
                    out.append(
                        DropConstraint(
                            table,
                            name=ident(name),
                            kind=kind,
                            if_exists=bool(action.args.get("exists")),
                        )
                    )
        elif isinstance(action, exp.RenameColumn):
            out.append(
                RenameColumn(table, old=ident(action.this), new=ident(action.args.get("to")))
            )
        elif isinstance(action, exp.AlterRename):
            out.append(RenameTable(table, new=table_name(action.this)))
        elif isinstance(action, exp.ModifyColumn):
            out.extend(_modify(table, action, dialect))
        elif isinstance(action, exp.AlterColumn):
            out.append(_alter_column(table, action, dialect))
        elif isinstance(action, exp.AddConstraint):
            out.extend(_add_constraint(table, action, bool(e.args.get("not_valid")), dialect))
        elif isinstance(action, exp.DropPrimaryKey) or _is_drop_primary_key(action):
            out.append(DropConstraint(table, name="PRIMARY", kind="PRIMARY KEY"))
    return out


def _is_drop_primary_key(action: Any) -> bool:
    """SQLite's parser keeps ``DROP PRIMARY KEY`` as an opaque action."""
    return (
        isinstance(action, exp.Command)
        and str(action.this).upper() == "DROP"
        and str(action.expression or "").upper().split() == ["PRIMARY", "KEY"]
    )


def _modify(table: str, action: exp.ModifyColumn, dialect: Dialect) -> list[Effect]:
    definition = action.this
    if not isinstance(definition, exp.ColumnDef):
        return []
    info = column_info(definition, dialect)
    old = action.args.get("rename_from")
    if old is not None and ident(old) != info.name:
        return [RenameColumn(table, old=ident(old), new=info.name, definition=info)]
    name = ident(old) if old is not None else info.name
    return [ChangeColumn(table, column=name, definition=info, new_type=info.type)]


def _alter_column(table: str, action: exp.AlterColumn, dialect: Dialect) -> ChangeColumn:
    dtype = action.args.get("dtype")
    allow_null = action.args.get("allow_null")
    default = action.args.get("default")
    return ChangeColumn(
        table,
        column=ident(action.this),
        new_type=dtype.sql().upper() if dtype is not None else None,
        set_not_null=None if allow_null is None else not allow_null,
        default=default.sql(dialect=dialect.value) if default is not None else None,
        # ALTER COLUMN ... DROP NOT NULL also carries `drop`: only a bare DROP drops the default
        drop_default=bool(action.args.get("drop")) and allow_null is None,
    )


def _add_constraint(
    table: str, action: exp.AddConstraint, not_valid: bool, dialect: Dialect
) -> list[Effect]:
    out: list[Effect] = []
    for item in action.expressions or [action.this]:
        info = _constraint(item, dialect)
        if info is None:
            continue
        if info.kind == "INDEX" or (
            info.kind == "UNIQUE" and dialect == Dialect.MYSQL and not _is_named_constraint(item)
        ):
            # MySQL's ADD [UNIQUE] INDEX name (cols) creates an index, not a constraint
            # (PostgreSQL's ADD UNIQUE (cols) is a constraint, named by the database)
            out.append(
                CreateIndex(
                    table, name=info.name, unique=info.kind == "UNIQUE", columns=info.columns
                )
            )
        else:
            out.append(AddConstraint(table, constraint=info, not_valid=not_valid))
    return out


def _is_named_constraint(item: Any) -> bool:
    return isinstance(item, exp.Constraint)


def _not_null_columns(check: Any) -> tuple[str, ...]:
    """The columns a CHECK expression proves NOT NULL: its top-level ``col IS NOT
    NULL`` conjuncts."""
    while isinstance(check, exp.Paren):
        check = check.this
    if isinstance(check, exp.And):
        return _not_null_columns(check.this) + _not_null_columns(check.expression)
    negated = isinstance(check, exp.Not)
    if negated:
        check = check.this
        while isinstance(check, exp.Paren):
            check = check.this
    if (
        isinstance(check, exp.Is)
        and isinstance(check.expression, exp.Null)
        and isinstance(check.this, exp.Column)
        and negated != bool(check.args.get("negate"))
    ):
        return (ident(check.this),)
    return ()


# Opaque statements whose table (and constraint) are worth a fact: see TableCommand.
_TABLE_COMMANDS = frozenset(
    {
        "VALIDATE CONSTRAINT",
        "ADD CONSTRAINT USING INDEX",
        "ENABLE/DISABLE TRIGGER",
        "RENAME CONSTRAINT",
        "ROW LEVEL SECURITY",
        "ALTER TABLE OWNER",
        "LOCK TABLE",
        "DETACH PARTITION",
    }
)


def _command(e: exp.Command, dialect: Dialect) -> list[Effect]:
    """Facts of the statements sqlglot keeps as an opaque Command: re-tokenized, and
    named as ``parse/commands.py`` names them."""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    from aerich_lint.parse.commands import known_command, words

    head = str(e.this).upper()
    rest = e.expression
    rest_text = rest.name if isinstance(rest, exp.Literal) else str(rest or "")
    if dialect == Dialect.POSTGRES and head in postgres.COMMAND_HEADS:
        # REINDEX, LOCK TABLE (its mode), CREATE FUNCTION, SET and RESET forms
        text = f"{e.this} {rest_text}"
        pg_tokens = postgres.tokens_of(text)
        read = postgres.command_facts(known_command(pg_tokens, dialect), text, pg_tokens)
        if read is not None:
            return read
    if head not in {"ALTER", "LOCK"}:
        return []  # every command of _TABLE_COMMANDS starts with one of these
    try:
        # separately: after a command keyword the tokenizer keeps the rest as one string
        tokens = _tokenizer(dialect).tokenize(str(e.this))[:1]
        tokens += _tokenizer(dialect).tokenize(rest_text)
    except (TokenError, ValueError, TypeError, RecursionError):
        return []
    name = known_command(tokens, dialect)
    if name not in _TABLE_COMMANDS:
        return []
    ws = words(tokens)
    i = 1
    while i < len(ws) and ws[i] in {"TABLE", "TABLES", "IF", "EXISTS", "ONLY"}:
        i += 1
    parts: list[str] = []
    while i < len(tokens):
        tok = tokens[i]
        parts.append(tok.text if tok.token_type == TokenType.IDENTIFIER else tok.text.lower())
        if i + 1 < len(tokens) and tokens[i + 1].token_type == TokenType.DOT:
            i += 2
            continue
        break
    if not parts:
        return []
    table = parts[-1]
    if len(parts) > 1 and parts[-2] != "public":
        table = f"{parts[-2]}.{table}"

    def after(word: str) -> str:
        j = ws.index(word, i) + 1 if word in ws[i:] else len(tokens)
        if j >= len(tokens):
            return ""
        tok = tokens[j]
        return str(tok.text if tok.token_type == TokenType.IDENTIFIER else tok.text.lower())

    if name == "ADD CONSTRAINT USING INDEX":
        kind = "PRIMARY KEY" if any(w.startswith("PRIMARY") for w in ws) else "UNIQUE"
        return [TableCommand(table, name, after("CONSTRAINT"), kind, after("INDEX"))]
    if name in {"VALIDATE CONSTRAINT", "RENAME CONSTRAINT"}:
        return [TableCommand(table, name, after("CONSTRAINT"))]
    if name == "DETACH PARTITION":
        return [postgres.detach_partition(table, tokens, ws)]
    return [TableCommand(table, name)]


@cache
def _tokenizer(dialect: Dialect) -> Any:
    from sqlglot.dialects.dialect import Dialect as SqlglotDialect

    return SqlglotDialect.get_or_raise(dialect.value)
