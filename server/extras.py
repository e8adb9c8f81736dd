"""A plain install (``pip install motcua-desk``) has no server libraries: say how to add them.

``motcua-server`` then prints one line, Vietnamese and English, and exits with 2 instead of a
traceback ending in ``No module named 'pydantic_settings'``. Standard library only: it runs
exactly when the server's libraries are missing.
"""

from __future__ import annotations

import sys
from typing import NoReturn, TextIO

# Top-level modules of the "server" extra in pyproject.toml (and starlette, under fastapi).
SERVER_MODULES = frozenset({"fastapi", "starlette", "uvicorn", "pydantic_settings", "psycopg", "jwt"})
INSTALL = 'pip install "motcua-desk[server]"'
USAGE_ERROR = 2


def missing_server_module(exc: ModuleNotFoundError) -> str | None:
    """The server library ``exc`` is about, or None when it is about anything else (a real bug)."""
    top = (exc.name or "").partition(".")[0]
    return top if top in SERVER_MODULES else None


def exit_without_server_part(exc: ModuleNotFoundError, err: TextIO | None = None) -> NoReturn:
    """Print the one-line hint and exit with :data:`USAGE_ERROR`; re-raise ``exc`` if it is not ours."""
    name = missing_server_module(exc)
    if name is None:
        raise exc
    print(
        f"Chưa cài phần máy chủ (thiếu thư viện {name}), hãy cài: {INSTALL}"
        f" | The server part is not installed: {INSTALL}",
        file=err or sys.stderr,
    )
    raise SystemExit(USAGE_ERROR)
