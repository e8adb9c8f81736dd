"""scripts/bootstrap.sh: one .venv for ./motcua, ./motcua-server and ./run-tests, installed once.

The stamp records the extras installed for this pyproject.toml; a launcher installs only when
an extra it needs is missing (then the union), so switching launchers never reinstalls. The
real pip is not run here (minutes): a fake ``$VENV/bin/python`` logs what would be installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = ROOT / "scripts" / "bootstrap.sh"
H = "0123456789abcdef"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def decide(stamp: str, requested: str, hash_: str = H) -> tuple[bool, str]:
    """(must pip run, extras it installs) from bootstrap.sh's own extras_to_install."""
    done = subprocess.run(
        ["bash", "-c", f'. "{BOOTSTRAP}"; extras_to_install "$@"', "_", stamp, hash_, requested],
        env={**os.environ, "MOTCUA_BOOTSTRAP_FUNCTIONS_ONLY": "1"}, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return done.returncode == 0, done.stdout.strip()


@pytest.mark.parametrize(
    ("stamp", "requested", "expected"),
    [
        ("", "", (True, "")),  # first run
        (H, "", (False, "")),
        (H, "server", (True, "server")),  # ./motcua, then ./motcua-server: add the server's libraries
        (f"{H} server", "", (False, "server")),  # and back to ./motcua: nothing to do
        (f"{H} server", "dev", (True, "dev,server")),  # ./run-tests
        (f"{H} dev server", "server", (False, "dev,server")),
        (f"{H} dev server", "", (False, "dev,server")),
        (f"{H}-dev", "server", (False, "dev,server")),  # the stamp before this format: dev brings server
        (f"{H}-", "", (False, "")),
        (f"fedcba9876543210 {'server'}", "", (True, "server")),  # pyproject changed: keep what was there
    ],
)
def test_the_install_decision(stamp: str, requested: str, expected: tuple[bool, str]) -> None:
    assert decide(stamp, requested) == expected


def test_switching_launchers_installs_once_each_new_extra(tmp_path: Path) -> None:
    """ensure_venv itself, with a fake interpreter: the pip commands it would run, and the stamp."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    log = tmp_path / "pip.log"
    fake = venv / "bin" / "python"
    fake.write_text(f'#!/bin/sh\necho "$*" >>"{log}"\n')
    fake.chmod(0o755)
    hash_ = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]

    def launch(extras: str) -> list[str]:
        before = log.read_text().splitlines() if log.exists() else []
        done = subprocess.run(
            ["bash", "-c", f'. "{BOOTSTRAP}" "$1" && ensure_venv', "_", extras],
            env={**os.environ, "MOTCUA_VENV": str(venv), "MOTCUA_BOOTSTRAP_FUNCTIONS_ONLY": "1"},
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return [line for line in log.read_text().splitlines()[len(before) :] if "--upgrade pip" not in line]

    stamp = venv / ".motcua-installed"
    assert launch("") == [f"-m pip install -q -e {ROOT}"]  # ./motcua, first run
    assert stamp.read_text().strip() == hash_
    assert launch("server") == [f"-m pip install -q -e {ROOT}[server]"]  # ./motcua-server
    assert stamp.read_text().strip() == f"{hash_} server"
    assert launch("") == [] and launch("server") == []  # back and forth: nothing installed
    assert launch("dev") == [f"-m pip install -q -e {ROOT}[dev,server]"]  # ./run-tests
    assert launch("") == [] and launch("server") == [] and launch("dev") == []
    assert stamp.read_text().strip() == f"{hash_} dev server"
