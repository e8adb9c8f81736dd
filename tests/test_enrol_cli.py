"""IT enrols a PC from the command line; the device secret lands in the real OS keyring.

Runs the real server (``motcua-server``), a real Secret Service (gnome-keyring under
``dbus-run-session``) and ``motcua enrol``. Without a keyring backend the enrolment stops before
the one-time code is spent, with a message for IT, and writes no secret anywhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
UNIT = "000.01.00.H49"


def _env(server_dir: Path) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MOTCUA_SERVER_DATA_DIR": str(server_dir)}
    env.pop("MOTCUA_SERVER_DATABASE_URL", None)
    return env


def _admin(server_dir: Path, *args: str) -> str:
    result = subprocess.run([str(BIN / "motcua-server"), "admin", *args], env=_env(server_dir),
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def _enrol_code(server_dir: Path) -> str:
    out = _admin(server_dir, "enrol-code", "--unit-code", UNIT)
    return out.splitlines()[1].strip()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    server_dir = tmp_path / "server"
    _admin(server_dir, "seed-demo")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([str(BIN / "motcua-server"), "--port", str(port)], env=_env(server_dir),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("motcua-server did not start within 30 s")
    yield url, server_dir
    proc.terminate()
    proc.wait(timeout=10)


def _motcua(data_dir: Path, *args: str, wrap: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [str(BIN / "motcua"), "--data-dir", str(data_dir), *args]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    return subprocess.run([*(wrap or []), *cmd], env=env, capture_output=True, text=True, timeout=120)


def test_enrol_without_a_keyring_stops_before_spending_the_code(server, tmp_path):
    url, server_dir = server
    code = _enrol_code(server_dir)
    result = _motcua(tmp_path / "pc", "enrol", "--server", url, "--code", code, "--counter", "Quầy số 02")
    assert result.returncode == 2
    assert "keyring" in result.stderr.lower() or "kho khoá" in result.stderr.lower(), result.stderr
    assert "Traceback" not in result.stderr
    leftovers = [p for p in (tmp_path / "pc").rglob("*") if "secret" in p.name.lower()]
    assert not leftovers
    # The code was not spent: it still enrols a PC.
    answer = httpx.post(f"{url}/auth/enrol", json={"code": code, "counter_name": "Quầy thử"}, timeout=10)
    assert answer.status_code == 200, answer.text


def test_enrol_stores_the_device_secret_in_the_os_keyring(server, tmp_path):
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        pytest.skip("needs dbus-run-session and gnome-keyring-daemon (apt-get install dbus gnome-keyring)")
    url, server_dir = server
    code = _enrol_code(server_dir)
    pc = tmp_path / "pc"
    check = (
        "import sys; from pathlib import Path; from app.store.boot import read_snapshot;"
        "from app.sync.secrets import SecretName, SecretStore; import keyring;"
        f"pc = Path({str(pc)!r}); office = read_snapshot(pc / 'motcua.db').office;"
        "secret = SecretStore(pc, office.device_id).get(SecretName.DEVICE_SECRET);"
        "print(type(keyring.get_keyring()).__module__); print('SECRET', secret)"
    )
    script = (
        "set -e\n"
        "echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n"
        # wait until the daemon owns org.freedesktop.secrets on the session bus
        f"for i in $(seq 50); do '{BIN / 'python'}' -c 'import keyring, sys;"
        ' sys.exit(type(keyring.get_keyring()).__module__ != "keyring.backends.SecretService")\' && break;'
        " sleep 0.1; done\n"
        f"'{BIN / 'motcua'}' --data-dir '{pc}' enrol --server {url} --code {code} --counter 'Quầy số 02'\n"
        f"'{BIN / 'python'}' -c \"{check}\"\n"
    )
    # A private home: gnome-keyring creates a fresh "login" collection unlocked with our password.
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_RUNTIME_DIR": str(home / "run")}  # fmt: skip
    (home / "run").mkdir(mode=0o700)
    result = subprocess.run(["dbus-run-session", "--", "bash", "-c", script], capture_output=True, text=True,
                            timeout=120, env=env, cwd=ROOT)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Đã đăng ký" in result.stdout and "Quầy số 02" in result.stdout
    assert "keyring.backends.SecretService" in result.stdout
    secret = result.stdout.split("SECRET ", 1)[1].split()[0]
    assert len(secret) >= 32
    # The secret lives only in the keyring: no file in the data folder contains it.
    for path in pc.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
