"""Real processes for the sync proofs: the central server as a child process, a keyring that a
killed client process keeps, counters enrolled against a live server, and what the server holds.

Used by tests/test_sync_crash.py, tests/test_sync_outage.py and bench/bench_catchup.py. Nothing
here imports pytest: the tests decide what a missing PostgreSQL means (skip, or fail in CI).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import keyring.errors
from keyring.backend import KeyringBackend
from sqlalchemy import Engine, func, select

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("MOTCUA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "matkhau-2026"
SECRET_KEY = "sync-proof-secret-" + "k" * 40
# The sync tests' counters live on 2026-11-23 (tests/conftest.py NOW) while a real server runs on
# the real clock and hands dossier numbers out only for days near its today (setting
# codes_days_back): this many days back reach that day.
CODES_DAYS_BACK = max(1, (datetime.now(timezone(timedelta(hours=7))).date() - date(2026, 11, 23)).days + 1)


class FileKeyring(KeyringBackend):
    """A keyring backend in one JSON file, rewritten atomically (temp file, fsync, rename).

    Test only: it stands in for the OS keyring of a counter whose process is killed and
    restarted (an in-memory keyring would die with the process). Values are plaintext, which is
    why the application itself never offers such a backend (app.sync.secrets).
    """

    priority = 0  # never chosen by keyring's own discovery

    def __init__(self, path: Path) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.path = path

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data

    def _save(self, values: dict[str, str]) -> None:
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(values, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    @staticmethod
    def _key(service: str, username: str) -> str:
        return f"{service}\n{username}"

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(self._key(service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        values = self._load()
        values[self._key(service, username)] = password
        self._save(values)

    def delete_password(self, service: str, username: str) -> None:
        values = self._load()
        if values.pop(self._key(service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")
        self._save(values)


@contextlib.contextmanager
def using_keyring(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """Make ``backend`` this process's keyring for the duration of the block."""
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(condition: Any, timeout: float, what: str, interval: float = 0.05) -> None:
    """Poll ``condition()`` until it is true; AssertionError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --- the server ---------------------------------------------------------------------------------


@dataclass
class ServerProcess:
    """``python -m server.cli`` (the ``motcua-server`` entry point) as a child process.

    Settings through the environment, as IT would run it: ``MOTCUA_SERVER_DATA_DIR``, and
    ``MOTCUA_SERVER_DATABASE_URL`` for PostgreSQL (empty: the embedded SQLite file in the data
    folder). The signing key is fixed, so tokens stay valid across a restart. Output goes to
    ``<data_dir>/server.log``; :meth:`log_tail` shows its end in failure messages.
    """

    data_dir: Path
    database_url: str = ""
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def __post_init__(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def resolved_url(self) -> str:
        """The database the server uses (for set-up and checks from the test process)."""
        return self.database_url or f"sqlite:///{self.data_dir / 'motcua-server.db'}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def start(self, timeout: float = 60.0) -> None:
        """Start (or restart on the same port) and wait until /healthz answers."""
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        env = dict(
            os.environ,
            MOTCUA_SERVER_DATA_DIR=str(self.data_dir),
            MOTCUA_SERVER_DATABASE_URL=self.database_url,
            MOTCUA_SERVER_SECRET_KEY=SECRET_KEY,
            MOTCUA_SERVER_CODES_DAYS_BACK=str(CODES_DAYS_BACK),  # the counters live on NOW's day
        )
        cmd = [sys.executable, "-m", "server.cli", "--host", "127.0.0.1", "--port", str(self.port)]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, open transactions and connections just vanish."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        """A clean stop (SIGTERM), SIGKILL if it hangs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def server_engine(url: str) -> Engine:
    """An engine on the server's database, migrated (what the server does at start-up)."""
    from server.app import migrate_once
    from server.db import make_engine

    engine = make_engine(url, pool_size=2) if url.startswith("postgresql") else make_engine(url)
    migrate_once(engine)
    return engine


def create_office(engine: Engine, unit_code: str, username: str, password: str = PASSWORD) -> None:
    """An office with one officer, written straight into the server's database."""
    from server import admin
    from server.db import session_factory, transaction

    now = datetime.now(UTC)
    with transaction(session_factory(engine)) as s:
        admin.create_office(s, now, unit_code=unit_code, name=f"Trung tâm Phục vụ hành chính công {unit_code}",
                            governing_body="UBND TỈNH QUẢNG NINH", place_name="Quảng Ninh")  # fmt: skip
        admin.create_officer(s, now, unit_code, username=username, full_name="Nguyễn Thị Thuỳ Dương",
                             role="officer", password=password)  # fmt: skip


def enrol_code(engine: Engine, unit_code: str) -> str:
    """A one-time enrolment code for ``unit_code`` (valid one hour)."""
    from server import admin
    from server.db import session_factory, transaction

    with transaction(session_factory(engine)) as s:
        return str(admin.create_enrolment_code(s, datetime.now(UTC), unit_code, hours=1).code)


@dataclass(frozen=True)
class ServerView:
    """What the server holds for one office."""

    event_ids: list[str]  # one entry per stored row (a duplicate would show twice)
    device_seqs: list[tuple[str, int]]
    rejected: int
    conflicts: int
    codes: list[str | None]  # dossiers.code, one per stored dossier
    blocks: dict[str, list[tuple[str, int, int, str]]]  # device → (day, first, last, request id)

    def ids_of(self, device_id: str) -> set[str]:
        return {i for i, (d, _s) in zip(self.event_ids, self.device_seqs, strict=True) if d == device_id}


def server_view(engine: Engine, unit_code: str) -> ServerView:
    """Read the server's events, rejections, conflicts, dossier codes and issued blocks of an office."""
    from server.sync.models import CodeBlockRow, Conflict, RejectedEvent, ServerDossier, ServerEvent

    with engine.connect() as conn:
        rows = conn.execute(
            select(ServerEvent.id, ServerEvent.device_id, ServerEvent.device_seq)
            .where(ServerEvent.unit_code == unit_code)
            .order_by(ServerEvent.device_id, ServerEvent.device_seq)
        ).all()
        rejected = conn.scalar(
            select(func.count()).select_from(RejectedEvent).where(RejectedEvent.unit_code == unit_code)
        )
        conflicts = conn.scalar(select(func.count()).select_from(Conflict).where(Conflict.unit_code == unit_code))
        codes = list(conn.scalars(select(ServerDossier.code).where(ServerDossier.unit_code == unit_code)))
        blocks: dict[str, list[tuple[str, int, int, str]]] = {}
        for b in conn.execute(select(CodeBlockRow).where(CodeBlockRow.unit_code == unit_code)):
            blocks.setdefault(b.device_id, []).append((b.day.isoformat(), b.first, b.last, b.request_id))
        conn.rollback()
    return ServerView(
        event_ids=[r.id for r in rows], device_seqs=[(r.device_id, r.device_seq) for r in rows],
        rejected=int(rejected or 0), conflicts=int(conflicts or 0), codes=codes,
        blocks={d: sorted(v) for d, v in blocks.items()},
    )  # fmt: skip


@contextlib.contextmanager
def fresh_pg_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database ``<prefix>_<random>`` (dropped at the end); its URL.

    Raises:
        ConnectionError: PostgreSQL cannot be reached at MOTCUA_TEST_PG (the caller decides
            whether that skips or fails).
    """
    import psycopg

    conninfo = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    name = f"{prefix}_{secrets.token_hex(4)}"
    try:
        admin_conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        raise ConnectionError(f"PostgreSQL unreachable at {conninfo}: {exc}".strip()) from exc
    with admin_conn:
        admin_conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin_conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- counters -------------------------------------------------------------------------------------


def enrol_counter(folder: Path, template_db: Path, code: str, name: str, server_url: str, username: str) -> str:
    """Enrol a counter PC (its data folder copied from the seeded template) and log its officer in
    online once, so the keyring holds a refresh token and the database an offline credential.
    Uses the process's current keyring. Returns the device id."""
    import shutil

    from app.store.db import open_database, session_factory
    from app.sync.boot import read_enrolment
    from app.sync.client import SyncClient, enrol_this_pc

    folder.mkdir(parents=True)
    path = folder / "motcua.db"
    shutil.copy(template_db, path)
    engine = open_database(path)
    try:
        factory = session_factory(engine)
        enrol_this_pc(folder, factory, server_url, code, name)
        enrolment = read_enrolment(path)
        assert enrolment is not None
        client = SyncClient.open(folder, enrolment)
        try:
            _actor, online = client.login(factory, username, PASSWORD)
            assert online
        finally:
            client.close()
    finally:
        engine.dispose()
    return enrolment.device_id


@dataclass(frozen=True)
class ClientView:
    """What a counter's database holds (read after its process ended)."""

    device_id: str
    event_ids: list[str]
    own_ids: set[str]
    own_seqs: list[int]
    outbox: int
    codes: list[str | None]
    received: int  # dossier.received events (each prints one code)
    cursor: str
    pending_requests: int
    blocks: list[tuple[str, int, int, str]]  # server-issued blocks (day, first, last, request id)


def client_view(folder: Path) -> ClientView:
    """Read a counter's database with plain sqlite3 (the counter's process is not running)."""
    import sqlite3

    conn = sqlite3.connect(folder / "motcua.db")
    try:
        (device_id,) = conn.execute("SELECT id FROM device ORDER BY rowid LIMIT 1").fetchone()
        ids = [r[0] for r in conn.execute("SELECT id FROM event ORDER BY id")]
        own = conn.execute("SELECT id, device_seq FROM event WHERE device_id = ? ORDER BY device_seq", (device_id,))
        own_ids, seqs = set[str](), list[int]()
        for event_id, seq in own:
            own_ids.add(event_id)
            seqs.append(seq)
        outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        codes = [r[0] for r in conn.execute("SELECT code FROM dossier")]
        received = conn.execute("SELECT count(*) FROM event WHERE type = 'dossier.received'").fetchone()[0]
        cursor = conn.execute("SELECT pull_cursor FROM sync_state").fetchone()[0]
        pending = conn.execute("SELECT count(*) FROM code_request WHERE NOT done").fetchone()[0]
        blocks = sorted(
            (str(r[0]), int(r[1]), int(r[2]), str(r[3]))
            for r in conn.execute("SELECT day, first, last, request_id FROM code_block WHERE source = 'server'")
        )
    finally:
        conn.close()
    return ClientView(device_id, ids, own_ids, seqs, outbox, codes, received, cursor, pending, blocks)
