"""A private SANE configuration with only the ``test`` backend (a real SANE device for tests).

``sane_env`` makes the folder and returns the environment for scanimage; ``write_test_conf`` rewrites
its test.conf (scanimage reads it on every run) to slow the scan down or make it fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

BASE_CONF = {
    "number_of_devices": "2",
    "mode": "Gray",
    "depth": "8",
    "resolution": "100.0",
    "test-picture": '"Grid"',
    "read-delay": "false",
    "read-delay-duration": "1000",
    "read-status-code": '"Default"',
}


def write_test_conf(env: dict[str, str], **options: str) -> None:
    """Write test.conf in ``env``'s SANE_CONFIG_DIR: BASE_CONF with ``options`` (``_`` → ``-``) on top."""
    values = dict(BASE_CONF)
    values.update({key.replace("_", "-"): value for key, value in options.items()})
    text = "".join(f"{key} {value}\n" for key, value in values.items())
    (Path(env["SANE_CONFIG_DIR"]) / "test.conf").write_text(text, encoding="ascii")


def slow_feeder(env: dict[str, str], delay_us: int = 40000) -> None:
    """Make each page take a noticeable time (the test backend waits ``delay_us`` after each buffer)."""
    write_test_conf(env, read_delay="true", read_delay_duration=str(delay_us))


@pytest.fixture
def sane_env(tmp_path: Path) -> dict[str, str]:
    """Environment for scanimage with a private config: dll.conf = "test", our test.conf."""
    if shutil.which("scanimage") is None:
        pytest.skip("scanimage is not installed (apt-get install sane-utils)")
    folder = tmp_path / "sane.d"
    folder.mkdir()
    (folder / "dll.conf").write_text("test\n", encoding="ascii")
    env = dict(os.environ, SANE_CONFIG_DIR=str(folder))
    write_test_conf(env)
    return env
