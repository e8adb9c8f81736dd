"""Outages during sync: connections cut and stalled by a loopback proxy, the server SIGKILLed and
restarted, PostgreSQL terminating every connection of the server's database again and again.
Two counters recover by themselves and converge; nothing is lost or duplicated.

The server is ``python -m server.cli`` in a child process (embedded SQLite, and PostgreSQL in a
fresh database per test session), reached only through :class:`tests.net_proxy.Proxy`. Each
counter is an enrolled client database in this process with a worker thread doing what the
program's sync loop does: record the receipts it is given, ``run_once()`` (not forced: a failed
pass waits out the back-off) and, after a good pass, a short long-poll. Nobody presses Retry.

Test scale: HTTP timeouts of 2 s (1 s to connect) instead of 30 s, and a back-off starting at
0.2 s capped at 1 s instead of 5 s…5 min; the mechanism is the production one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.domain.catalog import Catalog
from app.errors import UserFacingError
from app.sync.engine import SyncEngine, SyncReport
from tests.conftest import NOW
from tests.net_proxy import Proxy
from tests.sync_processes import (
    PG_ADMIN_URL,
    ServerProcess,
    client_view,
    create_office,
    enrol_code,
    fresh_pg_database,
    server_engine,
    server_view,
    wait_until,
)
from tests.sync_support import Counter, MemoryKeyring, keyring_backend

pytestmark = pytest.mark.slow

UNIT = "000.05.00.H49"
CONVERGE_S = 90.0  # generous: the shared CI machine may be slow; a healthy run needs a few seconds
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Giang")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for each test (dropped at the end): each test sets up its office."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(fresh_pg_database("motcua_outage"))
        except ConnectionError as exc:
            pytest.skip(str(exc))
        yield url


class Worker(threading.Thread):
    """One counter's program: receipts it is given, sync passes, a long-poll after a good pass."""

    def __init__(self, name: str, counter: Counter, catalog: Catalog, pid_base: int) -> None:
        super().__init__(name=f"counter-{name}", daemon=True)
        self.counter = counter
        self.engine: SyncEngine = counter.client.engine(counter.factory, local_today=lambda: NOW.date())
        self.catalog = catalog
        self.pid_base = pid_base
        self.recorded: list[str] = []  # event ids of the receipts recorded
        self.reports: list[SyncReport] = []  # passes that ran (not the skipped ones)
        self.poll_errors = 0
        self.failure: BaseException | None = None
        self._todo = 0
        self._lock = threading.Lock()
        self._halt = threading.Event()

    def add(self, receipts: int) -> None:
        with self._lock:
            self._todo += receipts

    @property
    def idle(self) -> bool:
        with self._lock:
            return self._todo == 0

    def failed_passes(self) -> int:
        return sum(1 for r in self.reports if r.error)

    def stop(self) -> None:
        self._halt.set()
        self.join(30)

    def run(self) -> None:
        try:
            while not self._halt.is_set():
                with self._lock:
                    todo = self._todo
                if todo:
                    n = len(self.recorded)
                    pid = f"022090{self.pid_base + n:06d}"
                    self.recorded.append(self.counter.receive(self.catalog, NAMES[n % len(NAMES)], pid).event_id)
                    with self._lock:
                        self._todo -= 1
                report = self.engine.run_once()
                if not report.skipped:
                    self.reports.append(report)
                if report.ok and not todo:
                    try:
                        self.engine.poll(wait=1)
                    except UserFacingError:
                        self.poll_errors += 1
                elif report.skipped:
                    self._halt.wait(0.05)
        except BaseException as exc:  # reported by the test
            self.failure = exc


@dataclass
class World:
    """The server behind the proxy and two counters working."""

    server: ServerProcess
    engine: Engine
    proxy: Proxy
    workers: list[Worker] = field(default_factory=list)

    def add(self, receipts: int) -> None:
        for w in self.workers:
            w.add(receipts)

    def _converged(self) -> bool:
        for w in self.workers:
            if w.failure is not None:
                raise AssertionError(f"{w.name} crashed: {w.failure!r}") from w.failure
        if not all(w.idle for w in self.workers):
            return False
        expected = sorted(i for w in self.workers for i in w.recorded)
        if sorted(server_view(self.engine, UNIT).event_ids) != expected:
            return False
        return all(
            (v := client_view(w.counter.folder)).outbox == 0 and sorted(v.event_ids) == expected for w in self.workers
        )

    def wait_converged(self, what: str) -> None:
        try:
            wait_until(self._converged, CONVERGE_S, f"both counters and the server to agree ({what})", 0.2)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.describe()}") from exc

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
        try:
            wait_until(condition, timeout, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.describe()}") from exc

    def cut_mid_answer(self, nbytes: int) -> None:
        """Cut the connections once ``nbytes`` more went down to the counters; wait until it happened."""
        cuts = self.proxy.stats.cuts
        self.proxy.cut_after(nbytes)
        self.wait_for(lambda: self.proxy.stats.cuts > cuts, "a connection cut in the middle of an answer")

    def describe(self) -> str:
        lines = [f"proxy: {self.proxy.stats}"]
        for w in self.workers:
            last = w.reports[-1] if w.reports else None
            lines.append(f"{w.name}: recorded {len(w.recorded)}, passes {len(w.reports)}, failed {w.failed_passes()},"
                         f" last {last}")  # fmt: skip
        return "\n".join(lines) + f"\nserver log:\n{self.server.log_tail()}"


@contextlib.contextmanager
def running_world(url: str, tmp_path: Path, template_db: Path, catalog: Catalog) -> Iterator[World]:
    """The server (``url``: PostgreSQL, or "" for embedded SQLite) behind the proxy, two counters working."""
    with contextlib.ExitStack() as cleanup:  # every step is undone even when an earlier one fails
        server = ServerProcess(tmp_path / "server", database_url=url)
        engine = server_engine(server.resolved_url)
        cleanup.callback(engine.dispose)
        create_office(engine, UNIT, "canbo")
        cleanup.callback(server.stop)
        server.start()
        proxy = Proxy(server.port).start()
        cleanup.callback(proxy.close)
        world = World(server, engine, proxy)
        cleanup.enter_context(keyring_backend(MemoryKeyring()))
        for n, name in enumerate(("a", "b")):
            counter = Counter.enrol(tmp_path / name, template_db, enrol_code(engine, UNIT), f"Quầy số 0{n + 1}",
                                    server_url=proxy.url)  # fmt: skip
            cleanup.callback(counter.close)
            worker = Worker(name, counter, catalog, pid_base=n * 500_000)
            world.workers.append(worker)
        for w in world.workers:
            w.start()
            cleanup.callback(w.stop)
        yield world


@pytest.fixture
def test_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.sync.transport.READ_TIMEOUT_S", 2.0)
    monkeypatch.setattr("app.sync.transport.CONNECT_TIMEOUT_S", 1.0)
    monkeypatch.setattr("app.sync.engine.BACKOFF_BASE_S", 0.2)
    monkeypatch.setattr("app.sync.engine.BACKOFF_CAP_S", 1.0)


@pytest.fixture(params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path: Path, template_db: Path, catalog: Catalog, test_scale: None
) -> Iterator[World]:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else ""
    with running_world(url, tmp_path, template_db, catalog) as world:
        yield world


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path, template_db: Path, catalog: Catalog, test_scale: None) -> Iterator[World]:
    with running_world(pg_url, tmp_path, template_db, catalog) as world:
        yield world


def test_counters_recover_from_cuts_stalls_and_a_killed_server(world: World) -> None:
    proxy, server = world.proxy, world.server
    world.add(10)
    world.wait_converged("first receipts")

    # 1. Connections cut: in the middle of answers (pull pages, push results), then all at once.
    failed = [w.failed_passes() + w.poll_errors for w in world.workers]
    world.add(30)
    for _ in range(3):
        world.cut_mid_answer(4000)
    world.wait_for(lambda: proxy.cut() > 0, "an open connection to cut (a long-poll, a keep-alive)")
    world.wait_converged("after cuts")
    assert sum(w.failed_passes() + w.poll_errors for w in world.workers) > sum(failed), "no cut hit a request"

    # 2. Stalled: connections accepted, nothing forwarded, in both directions.
    failed = [w.failed_passes() for w in world.workers]
    proxy.stall()
    world.add(10)
    world.wait_for(lambda: all(w.failed_passes() > f for w, f in zip(world.workers, failed, strict=True)),
                   "both counters to give up on the stalled connection")  # fmt: skip
    assert all(r.offline for w in world.workers for r in w.reports[-1:])
    proxy.resume()
    world.wait_converged("after the stall")

    # 3. The server SIGKILLed while the counters push, kept down while they work offline, restarted.
    held = len(server_view(world.engine, UNIT).event_ids)
    failed = [w.failed_passes() for w in world.workers]
    world.add(40)
    world.wait_for(lambda: len(server_view(world.engine, UNIT).event_ids) > held, "the next pushes to arrive", 30)
    server.kill()
    world.wait_for(lambda: all(w.failed_passes() > f for w, f in zip(world.workers, failed, strict=True)),
                   "both counters to notice the server is gone")  # fmt: skip
    world.add(5)  # receipts go on offline
    server.start()
    world.wait_converged("after the server restart")

    view = server_view(world.engine, UNIT)
    total = sum(len(w.recorded) for w in world.workers)
    assert total == 2 * (10 + 30 + 10 + 40 + 5)
    assert len(view.event_ids) == len(set(view.event_ids)) == len(set(view.device_seqs)) == total
    assert (view.rejected, view.conflicts) == (0, 0)
    assert None not in view.codes and len(set(view.codes)) == total  # no code printed twice
    for w in world.workers:
        v = client_view(w.counter.folder)
        assert v.own_seqs == list(range(1, len(w.recorded) + 1))
        assert v.own_ids == set(w.recorded) == view.ids_of(v.device_id)
        assert sorted(v.codes, key=str) == sorted(view.codes, key=str)


class BackendKiller(threading.Thread):
    """Terminates every PostgreSQL backend connected to one database, again and again.

    What the server sees when PostgreSQL restarts, fails over or an administrator kills sessions:
    connections in the pool die, mid-transaction or idle. The shared cluster itself keeps
    running (other tests use it); only this test's database loses its connections.
    """

    def __init__(self, url: str, every_s: float = 0.25) -> None:
        super().__init__(name="pg-backend-killer", daemon=True)
        self.database = url.rsplit("/", 1)[1]
        self.conninfo = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
        self.every_s = every_s
        self.terminated = 0
        self._halt = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self._halt.is_set():
                rows = conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.database,),
                ).fetchall()
                self.terminated += sum(1 for (done,) in rows if done)
                self._halt.wait(self.every_s)

    def stop(self) -> None:
        self._halt.set()
        self.join(10)


def test_server_and_counters_recover_when_postgresql_drops_every_connection(pg_world: World, pg_url: str) -> None:
    world, server = pg_world, pg_world.server
    world.add(5)
    world.wait_converged("first receipts")
    failed = sum(w.failed_passes() + w.poll_errors for w in world.workers)
    killer = BackendKiller(pg_url)
    killer.start()
    try:
        world.add(30)  # pushes, pulls, code reservations and long-polls while connections die
        world.wait_for(lambda: all(w.idle for w in world.workers), "the receipts to be recorded", 60)
        world.wait_for(lambda: killer.terminated >= 20, "PostgreSQL connections to be terminated", 60)
    finally:
        killer.stop()
    world.add(5)
    world.wait_converged("after PostgreSQL dropped its connections")
    assert server.starts == 1 and server.proc is not None and server.proc.poll() is None  # no restart needed
    log = server.log_tail(10**8)
    assert "Traceback" not in log, log[-3000:]  # a lost connection is a 503 the counter retries, not a crash
    hit = sum(w.failed_passes() + w.poll_errors for w in world.workers) - failed
    view = server_view(world.engine, UNIT)
    total = sum(len(w.recorded) for w in world.workers)
    assert total == 2 * (5 + 30 + 5)
    assert len(view.event_ids) == len(set(view.event_ids)) == total
    assert (view.rejected, view.conflicts) == (0, 0)
    assert None not in view.codes and len(set(view.codes)) == total
    print(f"backends terminated: {killer.terminated}; sync passes or long-polls that failed meanwhile: {hit}")
