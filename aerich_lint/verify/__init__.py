"""``aerich-lint verify``: prove upgrades and downgrades run, on a real database.

database (the scratch database) -> execute (one section as aerich runs it) ->
introspect (schema snapshots) / rows (synthetic data) / locks (PostgreSQL) ->
run (the replay, findings). Imported only by the verify command: it needs
tortoise-orm and a database driver, which the static check never loads.
"""

from aerich_lint.verify.run import DEFAULT_URL, VerifyOptions, VerifyResult, run_verify

__all__ = ["DEFAULT_URL", "VerifyOptions", "VerifyResult", "run_verify"]
