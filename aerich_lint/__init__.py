"""aerich-lint: a linter and reviewer for Aerich migrations."""

__version__ = "0.1.0"
