"""``motcua-server`` in a plain install (no "server" extra): one line on how to install it, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What the console script ``motcua-server`` runs, after hiding some installed modules as a plain
# ``pip install motcua-desk`` would lack them.
SCRIPT = """
import sys
HIDDEN = set(sys.argv[1].split(","))

class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Hide())
sys.argv = ["motcua-server", *sys.argv[2:]]
from server.cli import main
sys.exit(main())
"""


def run(hidden: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "MOTCUA_SERVER_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", SCRIPT, hidden, *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


@pytest.mark.parametrize("args", [(), ("--port", "8765"), ("admin", "seed-demo")])
def test_without_pydantic_settings_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = run("pydantic_settings", *args, tmp_path=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr  # no traceback
    assert lines[0] == (
        'Chưa cài phần máy chủ (thiếu thư viện pydantic_settings), hãy cài: pip install "motcua-desk[server]"'
        ' | The server part is not installed: pip install "motcua-desk[server]"'
    )


def test_without_uvicorn_serving_says_the_same(tmp_path: Path) -> None:
    """uvicorn is imported only to serve: the hint comes then, not a traceback."""
    done = run("uvicorn", "--port", "8765", tmp_path=tmp_path)
    assert done.returncode == 2 and done.stderr.splitlines() == [
        'Chưa cài phần máy chủ (thiếu thư viện uvicorn), hãy cài: pip install "motcua-desk[server]"'
        ' | The server part is not installed: pip install "motcua-desk[server]"'
    ]


def test_a_missing_library_of_the_base_install_is_not_hidden(tmp_path: Path) -> None:
    """argon2 is no server extra: a broken install shows the real error."""
    done = run("argon2", "--help", tmp_path=tmp_path)
    assert done.returncode == 1 and "No module named 'argon2'" in done.stderr and "Traceback" in done.stderr
