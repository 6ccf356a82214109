"""Command line: ``aerich-lint [PATH ...]`` lints; ``rules`` and ``explain`` document.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage
or configuration error. Every error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from aerich_lint import __version__
from aerich_lint.errors import UsageError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
# The values of model.Dialect, spelled out: `--version` and `--help` import nothing of the
# linter (tests/test_dialects.py checks that the two agree).
DIALECT_CHOICES = ("postgres", "mysql", "sqlite")


class DefaultGroup(click.Group):
    """A group whose unnamed invocation is the ``check`` command, so that
    ``aerich-lint migrations/`` works as users type it."""

    default_command = "check"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")
        ):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


def _targets(values: tuple[str, ...]) -> list[Any]:
    from aerich_lint.targets import parse_target

    try:
        return [parse_target(v) for v in _csv(values)]
    except ValueError as exc:
        raise UsageError(f"--target-version: {exc}") from None


def _github_actions() -> bool:
    import os

    return os.environ.get("GITHUB_ACTIONS") == "true"


def _defaulted(param: str) -> bool:
    """Whether the user left the current command's option at its default."""
    source = click.get_current_context().get_parameter_source(param)
    return source in (None, click.core.ParameterSource.DEFAULT)


def _short_lived() -> None:
    """A lint run builds many objects and exits: the cyclic garbage collector,
    run every 700 allocations by default, costs it about 8 % for nothing."""
    import gc

    gc.set_threshold(100_000, 50, 100)


def _say(level: str, text: object, prefix: str = "aerich-lint: ") -> None:
    """One line on stderr. Errors and warnings quote paths, config values and names
    from the migrations: escaped, they cannot start a GitHub workflow command or
    reach the terminal as an escape sequence."""
    from aerich_lint.report.escape import visible

    head = f"{prefix}{level}: " if level else prefix
    click.echo(head + visible(text, 4000), err=True)


def _csv(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aerich-lint")
def cli() -> None:
    """Lint Aerich (Tortoise ORM) migrations for destructive and unsafe changes.

    Run `aerich-lint [PATH ...]` (the same as `aerich-lint check`). PATH may be a
    project root, a migrations folder, an app folder or migration files.
    """


@cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--dialect",
    type=click.Choice(DIALECT_CHOICES),
    help="SQL dialect of the migrations (default: config, Tortoise URL, or inferred).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "github", "gitlab", "junit", "markdown"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--select", multiple=True, help="Only these rules (names, codes, ALL); comma-separated."
)
@click.option("--extend-select", multiple=True, help="Add rules to the selection.")
@click.option("--ignore", multiple=True, help="Skip these rules; comma-separated.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    help="Lowest severity that makes the exit code 1 [default: warning].",
)
@click.option(
    "--exec-timeout",
    type=click.FloatRange(min=0.1),
    help="Seconds allowed to execute one migration whose SQL is built at run time [default: 10].",
)
@click.option(
    "--no-exec",
    is_flag=True,
    help="Never import anything of the project (migrations, settings): for pull requests "
    "from forks. SQL built at run time is reported as not-executed.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="pyproject.toml to read instead of the nearest one.",
)
@click.option(
    "--target-version",
    multiple=True,
    help="Server the migrations run on, e.g. postgres:16, mysql:5.7, mariadb:10.6 [default: "
    "postgres:13, mysql:8.0, mariadb:10.11].",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the parse cache.")
@click.option(
    "--since",
    metavar="REF",
    help="Report only migrations added or changed since `git merge-base REF HEAD` "
    "(committed, staged, unstaged or untracked); the rest of the history is context.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Do not report the findings recorded in this file (see --write-baseline).",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record every current finding in this file, for --baseline, and exit 0.",
)
@click.option(
    "--color/--no-color", default=None, help="Colour the text output (default: on a terminal)."
)
def check(
    paths: tuple[str, ...],
    dialect: str | None,
    fmt: str,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    exec_timeout: float | None,
    no_exec: bool,
    config_path: Path | None,
    target_version: tuple[str, ...],
    no_cache: bool,
    since: str | None,
    baseline: Path | None,
    write_baseline: Path | None,
    color: bool | None,
) -> None:
    """Lint migrations (the default command)."""
    _short_lived()
    from aerich_lint.lint import Options, run
    from aerich_lint.model import Dialect, Severity

    options = Options(
        paths=list(paths),
        dialect=Dialect(dialect) if dialect else None,
        select=_csv(select) if select else None,
        extend_select=_csv(extend_select),
        ignore=_csv(ignore),
        fail_on=Severity.parse(fail_on) if fail_on else None,
        exec_timeout=exec_timeout,
        execute=not no_exec,
        config=config_path,
        cache=not no_cache,
        target_versions=_targets(target_version),
        since=since,
        baseline=baseline,
        history=fmt == "markdown",  # the review describes changes from the replayed history
    )
    if baseline is not None and write_baseline is not None:
        raise UsageError("--baseline and --write-baseline cannot be used together")
    result = run(options)
    for warning in result.warnings:
        _say("warning", warning)
    if write_baseline is not None:
        _write_baseline(write_baseline, result)
    _report(result, fmt, color)


def _report(
    result: Any, fmt: str, color: bool | None, extra: str = "", extra_md: str = ""
) -> NoReturn:
    """Print the report (then ``extra``, in text; ``extra_md``, already escaped, in
    markdown), the errors, and exit with the code."""
    from aerich_lint.report import get_reporter

    use_color = color if color is not None else (fmt == "text" and sys.stdout.isatty())
    output = get_reporter(fmt).render(result, use_color)
    if fmt == "text" and extra:
        from aerich_lint.report.escape import guard

        output += "\n" + guard(extra)
    if fmt == "markdown" and extra_md:
        output += "\n" + extra_md
    if _github_actions() and _defaulted("fmt"):
        # In a GitHub Actions log: the text report, then annotations on the diff.
        from aerich_lint.report.github import annotation_lines

        output += annotation_lines(result)
    click.echo(output, nl=False, color=use_color)  # --color also when piped
    for error in result.errors:
        _say("error", error)
    if result.errors:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if result.failed else EXIT_OK)


def _write_baseline(path: Path, result: Any) -> None:
    from aerich_lint import baseline

    count = baseline.write(path, result.findings)
    from aerich_lint.report.escape import visible

    s = "s" if count != 1 else ""
    click.echo(f"Wrote {count} finding{s} to the baseline {visible(path)}.")
    for error in result.errors:
        _say("error", error)
    sys.exit(EXIT_USAGE if result.errors else EXIT_OK)


@cli.command("review")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
def review_cmd(paths: tuple[str, ...], **kw: Any) -> None:
    """A markdown review of migrations, for a pull request comment.

    For each migration (with --since, each one the branch adds or changes): what
    it does in plain words, its risk (high: an error finding or deleted data;
    medium: a warning finding; low: neither), whether it can be rolled back, and
    its findings with fix hints. When GITHUB_STEP_SUMMARY is set (GitHub
    Actions), the report is also appended to that file. Exit code 0, or 2 on a
    usage or configuration error: use `check` to fail a build.
    """
    import os

    from aerich_lint.lint import Options, run
    from aerich_lint.model import Dialect
    from aerich_lint.report.review import render

    _short_lived()

    options = Options(
        paths=list(paths),
        dialect=Dialect(kw["dialect"]) if kw["dialect"] else None,
        select=_csv(kw["select"]) if kw["select"] else None,
        extend_select=_csv(kw["extend_select"]),
        ignore=_csv(kw["ignore"]),
        exec_timeout=kw["exec_timeout"],
        execute=not kw["no_exec"],
        config=kw["config_path"],
        cache=not kw["no_cache"],
        target_versions=_targets(kw["target_version"]),
        since=kw["since"],
        history=True,
    )
    result = run(options)
    for warning in result.warnings:
        _say("warning", warning)
    report = render(result)
    click.echo(report, nl=False)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(report)
        except OSError as exc:
            reason = exc.strerror or exc
            _say("warning", f"cannot append to GITHUB_STEP_SUMMARY {summary}: {reason}")
    for error in result.errors:
        _say("error", error)
    sys.exit(EXIT_USAGE if result.errors else EXIT_OK)


# review takes check's options that choose what is linted and how (not its output ones)
_REVIEW_OPTIONS = (
    "since",
    "dialect",
    "select",
    "extend_select",
    "ignore",
    "exec_timeout",
    "no_exec",
    "config_path",
    "target_version",
    "no_cache",
)
review_cmd.params.extend(p for p in check.params if p.name in _REVIEW_OPTIONS)


@cli.command("verify")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--database-url",
    envvar="AERICH_LINT_DATABASE_URL",
    default="sqlite://:memory:",
    show_default=True,
    help="Server to verify on (postgres://, mysql:// or sqlite://). A scratch database "
    "aerich_lint_<random> is created there and dropped at the end; the database the URL "
    "names is never used. Also read from AERICH_LINT_DATABASE_URL.",
)
@click.option(
    "--since",
    metavar="REF",
    help="Round-trip only the migrations changed since `git merge-base REF HEAD`; the ones "
    "before them are applied without the round trip.",
)
@click.option(
    "--locks",
    is_flag=True,
    help="PostgreSQL: report the locks each upgrade statement takes on existing tables, "
    "and table rewrites; warn on ACCESS EXCLUSIVE (exclusive-lock).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress lines (they go to a terminal only).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=300,
    show_default=True,
    help="Seconds allowed for one upgrade or downgrade.",
)
def verify_cmd(
    paths: tuple[str, ...],
    database_url: str,
    since: str | None,
    fmt: str,
    locks: bool,
    quiet: bool,
    timeout: float,
    fail_on: str | None,
    config_path: Path | None,
    color: bool | None,
    no_exec: bool,
) -> None:
    """Replay migrations on a real, scratch database: upgrade, downgrade, compare.

    For each app, in version order: the upgrade as `aerich upgrade` runs it, one
    synthetic row in every empty table, the downgrade, a comparison of the schema
    with the one before the upgrade, and the upgrade again. Reports
    upgrade-failed, downgrade-failed, roundtrip-mismatch and (with --locks)
    exclusive-lock. Needs tortoise-orm and the server's driver:
    `pip install 'aerich-lint[postgres]'` or `'aerich-lint[mysql]'`.
    Exit codes as for check.
    """
    from aerich_lint.model import Severity
    from aerich_lint.verify import VerifyOptions, run_verify

    show_progress = not quiet and sys.stderr.isatty()
    options = VerifyOptions(
        paths=list(paths),
        database_url=database_url,
        since=since,
        locks=locks,
        config=config_path,
        timeout=timeout,
        fail_on=Severity.parse(fail_on) if fail_on else None,
        execute=not no_exec,
        progress=(lambda line: _say("", line, prefix="verify: ")) if show_progress else None,
    )
    result = run_verify(options)
    for warning in result.warnings:
        _say("warning", warning)
    lock_report = ""
    if result.locks is not None:
        from aerich_lint.verify.locks import render_text

        lock_report = render_text(result.locks)
    _report(result, fmt, color, lock_report)


# verify takes check's output options as they are
verify_cmd.params.extend(
    p for p in check.params if p.name in ("fmt", "fail_on", "config_path", "color", "no_exec")
)


@cli.command("status")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--database-url",
    envvar="AERICH_LINT_STATUS_URL",
    required=True,
    help="The database to report on, as in TORTOISE_ORM (postgres://, mysql:// or "
    "sqlite:///path). Read in one read-only transaction: status never writes. Also "
    "read from AERICH_LINT_STATUS_URL (keeps the password out of the process list).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--export-stats",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Also write each table's rows and bytes to FILE (JSON), for "
    "`check --table-stats FILE` where CI has no access to the database.",
)
def status_cmd(
    paths: tuple[str, ...],
    database_url: str,
    fmt: str,
    export_stats: Path | None,
    fail_on: str | None,
    config_path: Path | None,
    color: bool | None,
    no_exec: bool,
) -> None:
    """What `aerich upgrade` would do to a live database, and what drifted.

    Reads the aerich table (and tortoise_migrations for native migrations), the
    catalog and the tables' sizes in one read-only transaction, and reports per app:
    the pending migrations with their findings and the size of each table they drop
    from or lock; applied-file-missing (a recorded file gone or renamed: aerich runs
    it again); applied-state-differs (recorded models unlike the file's
    MODELS_STATE); schema-drift (the live schema against the replayed history).
    Exit codes as for check.
    """
    from aerich_lint.model import Severity
    from aerich_lint.status import StatusOptions, run_status
    from aerich_lint.status import render as status_render

    options = StatusOptions(
        database_url=database_url,
        paths=list(paths),
        config=config_path,
        fail_on=Severity.parse(fail_on) if fail_on else None,
        execute=not no_exec,
        export_stats=export_stats,
    )
    result = run_status(options)
    for warning in result.warnings:
        _say("warning", warning)
    if export_stats is not None and not result.errors:
        from aerich_lint.report.escape import visible
        from aerich_lint.status import export_stats as write_stats

        engine = result.apps[0].dialect.value if result.apps and result.apps[0].dialect else ""
        try:
            count = write_stats(result, export_stats, engine)
        except OSError as exc:
            result.errors.append(f"--export-stats {export_stats}: {exc.strerror or exc}")
        else:
            _say("", f"wrote the sizes of {count} tables to {visible(export_stats)}")
    connected = bool(result.server)
    _report(
        result,
        fmt,
        color,
        status_render.text(result) if connected else "",
        status_render.markdown(result) if connected else "",
    )


# status takes check's output options as they are
status_cmd.params.extend(
    p for p in check.params if p.name in ("fail_on", "config_path", "color", "no_exec")
)


@cli.command("drift")
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="pyproject.toml to read instead of the nearest one.",
)
@click.option(
    "--app",
    "apps",
    multiple=True,
    help="Only this app of the Tortoise config (repeatable, comma-separated) [default: all].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds allowed to import the Tortoise config and models and diff every app.",
)
@click.option(
    "--pass-env",
    "pass_env",
    multiple=True,
    metavar="NAME",
    help="Pass this environment variable on to the sandbox that imports the settings "
    "(repeatable, comma-separated); every other one is withheld.",
)
def drift_cmd(
    path: str | None,
    config_path: Path | None,
    apps: tuple[str, ...],
    fmt: str,
    timeout: float,
    pass_env: tuple[str, ...],
) -> None:
    """Fail when the models changed but no migration was generated.

    For each app of the Tortoise config named in [tool.aerich] / [tool.tortoise],
    aerich's own offline diff compares the models with the MODELS_STATE of the
    newest migration: exactly what `aerich migrate --offline` would write. For an
    app with Tortoise ORM native migrations (its config entry names a
    "migrations" package), tortoise's autodetector compares the models with the
    state its migration files build: what `tortoise makemigrations` would write.
    Nothing is written and no database is connected to. Exit code 0 in sync, 1
    when an app drifted (the changes and the SQL are printed), 2 when the config
    or models cannot be loaded or a history cannot be compared.
    """
    from aerich_lint.drift import DriftOptions
    from aerich_lint.drift import run as run_drift
    from aerich_lint.drift.report import render_json, render_text

    options = DriftOptions(
        path=path, config=config_path, apps=_csv(apps), timeout=timeout, pass_env=_csv(pass_env)
    )
    result = run_drift(options)
    from aerich_lint.report.escape import guard, json_safe

    text = json_safe(render_json(result)) if fmt == "json" else guard(render_text(result))
    click.echo(text, nl=False)
    for error in result.errors:
        _say("error", error)
    if result.errors:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if result.drifted else EXIT_OK)


@cli.command("rules")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
def rules_cmd(fmt: str) -> None:
    """List every rule with its code, default severity and summary."""
    from aerich_lint.docs import rules_json, rules_markdown, rules_text

    render = {"text": rules_text, "json": rules_json, "markdown": rules_markdown}[fmt]
    click.echo(render(), nl=False)


@cli.command("explain")
@click.argument("rule")
def explain_cmd(rule: str) -> None:
    """Print a rule's full documentation: what, why, example, safe alternative."""
    from aerich_lint.docs import explain
    from aerich_lint.rules.registry import lookup

    found = lookup(rule)
    if found is None:
        raise UsageError(f"unknown rule {rule!r} (see `aerich-lint rules`)")
    click.echo(explain(found), nl=False)


def main(argv: list[str] | None = None) -> Any:
    try:
        return cli.main(args=argv, prog_name="aerich-lint", standalone_mode=False)
    except UsageError as exc:
        _say("error", exc)
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("aerich-lint: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        click.echo("aerich-lint: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(EXIT_OK)
