"""A real counter process killed with SIGKILL during sync, then restarted: nothing lost or duplicated.

The counter is tests/sync_crash_driver.py in a child process (real services, real SQLite file,
a keyring file that outlives the process); the server is ``python -m server.cli`` in another
child process (embedded SQLite). The named kill points are app.sync.crashpoint's
(``MOTCUA_SYNC_CRASH_AT``): after each kill the test first checks that it left the state the
point is about (e.g. the server holds a batch the counter still has in its outbox); then the
counters are restarted to completion. Random kills hit two counters working at once. Test
scale: push batches and pull pages of 50 events instead of 500 (``--batch``). At the end:

* the server holds every event exactly once, by id and by (device, sequence), rejected none and
  opened no conflict;
* each counter's outbox is empty, its own sequence has no gap and holds exactly its receipts;
* no dossier code was printed twice, on either counter or at the server, and each counter holds
  exactly the code blocks the server issued to it (a lost reservation answer cost no number);
* every counter, including one enrolled afterwards that pulls the whole day, holds exactly the
  server's events.

A kill in the middle of an attachment upload is tests/test_sync_attachment_crash.py.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.sync_processes import (
    ROOT,
    FileKeyring,
    ServerProcess,
    client_view,
    create_office,
    enrol_code,
    enrol_counter,
    server_engine,
    server_view,
    using_keyring,
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX SIGKILL")]

DRIVER_TIMEOUT_S = 120.0
BATCH = 50  # events per push batch and pull page in the driver (the program: 500)
_units = itertools.count(1)


@dataclass
class Live:
    """The server process and an engine on its database (for set-up and checks)."""

    server: ServerProcess
    engine: Engine


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    server = ServerProcess(tmp_path_factory.mktemp("crash-server"))
    engine = server_engine(server.resolved_url)  # migrated before the server starts
    server.start()
    try:
        yield Live(server, engine)
    finally:
        server.stop()
        engine.dispose()


@dataclass
class Counter:
    """One enrolled counter PC whose program runs as the driver process."""

    office: Office
    name: str
    folder: Path
    device_id: str
    pid_base: int

    def _cmd(self, receipts: int, per_pass: int) -> list[str]:
        return [
            sys.executable, "-m", "tests.sync_crash_driver", "--folder", str(self.folder),
            "--keyring", str(self.office.keyring), "--username", self.office.username,
            "--receipts", str(receipts), "--per-pass", str(per_pass), "--pid-base", str(self.pid_base),
            "--batch", str(BATCH),
        ]  # fmt: skip

    @staticmethod
    def _env(crash: str | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "MOTCUA_SYNC_CRASH_AT"}
        if crash:
            env["MOTCUA_SYNC_CRASH_AT"] = crash
        return env

    def run(self, receipts: int, *, crash: str | None = None, per_pass: int = 10) -> subprocess.CompletedProcess[str]:
        """Run the program; with ``crash`` it must die there by SIGKILL, without it finish cleanly."""
        done = subprocess.run(self._cmd(receipts, per_pass), env=self._env(crash), cwd=ROOT, capture_output=True,
                              text=True, timeout=DRIVER_TIMEOUT_S)  # fmt: skip
        expected = -signal.SIGKILL if crash else 0
        assert done.returncode == expected, (
            f"{self.name} ({crash or 'no crash'}) exited with {done.returncode}, expected {expected}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr[-4000:]}\nserver log:\n{self.office.live.server.log_tail()}"
        )
        return done

    def start(self, receipts: int, per_pass: int = 10) -> subprocess.Popen[str]:
        """Start the program in the background (for kills at a random moment)."""
        return subprocess.Popen(self._cmd(receipts, per_pass), env=self._env(None), cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip

    def finish(self, proc: subprocess.Popen[str]) -> None:
        """Wait for a background run, which must end cleanly."""
        out, err = proc.communicate(timeout=DRIVER_TIMEOUT_S)
        assert proc.returncode == 0, (
            f"{self.name} exited with {proc.returncode}\nstdout:\n{out}\nstderr:\n{err[-4000:]}\n"
            f"server log:\n{self.office.live.server.log_tail()}"
        )


@dataclass
class Office:
    """A fresh office on the shared server (one per test), with its officer and a keyring file."""

    live: Live
    unit: str
    username: str
    root: Path
    template_db: Path

    @property
    def keyring(self) -> Path:
        return self.root / "keyring.json"

    def counter(self, name: str, pid_base: int) -> Counter:
        folder = self.root / name
        with using_keyring(FileKeyring(self.keyring)):
            device_id = enrol_counter(folder, self.template_db, enrol_code(self.live.engine, self.unit), name,
                                      self.live.server.url, self.username)  # fmt: skip
        return Counter(self, name, folder, device_id, pid_base)


@pytest.fixture
def office(live: Live, tmp_path: Path, template_db: Path) -> Office:
    n = next(_units)
    unit, username = f"000.{n:02d}.00.H49", f"canbo{n}"
    create_office(live.engine, unit, username)
    return Office(live, unit, username, tmp_path, template_db)


def assert_converged(office: Office, counters: list[Counter], receipts: dict[str, int]) -> None:
    """After the counters finished: the server holds each event once and rejected nothing; each
    counter's outbox is empty, its own sequence has no gap, it holds exactly the server's events
    and the blocks issued to it; no dossier code was printed twice."""
    server = server_view(office.live.engine, office.unit)
    total = sum(receipts.values())
    assert len(server.event_ids) == len(set(server.event_ids)) == total, "events lost or twice at the server"
    assert len(set(server.device_seqs)) == total, "a (device, sequence) twice at the server"
    assert (server.rejected, server.conflicts) == (0, 0), "the server rejected events or opened conflicts"
    assert None not in server.codes and len(set(server.codes)) == len(server.codes) == total
    for c in counters:
        view = client_view(c.folder)
        assert view.outbox == 0, f"{c.name}: outbox not empty"
        assert view.own_seqs == list(range(1, receipts[c.name] + 1)), f"{c.name}: receipts lost, doubled or a gap"
        assert server.ids_of(c.device_id) == view.own_ids, f"{c.name}: its events and the server's differ"
        assert sorted(view.event_ids) == sorted(server.event_ids), f"{c.name} does not hold the server's events"
        assert view.received == total, f"{c.name}: dossiers lost or doubled"
        assert sorted(view.codes, key=str) == sorted(server.codes, key=str), f"{c.name}: dossier codes differ"
        assert view.pending_requests == 0
        assert view.blocks == server.blocks.get(c.device_id, []), f"{c.name}: code blocks differ from those issued"


def test_a_counter_killed_at_each_named_point_loses_and_doubles_nothing(office: Office) -> None:
    a, b = office.counter("a", 0), office.counter("b", 500_000)
    receipts = {"a": 20, "b": 10}
    engine, unit = office.live.engine, office.unit

    # 1. Mid-refresh: the server rotated the refresh token, the counter never stored the new one.
    tokens = FileKeyring(office.keyring)._load()
    a.run(receipts["a"], crash="after_refresh_answered")
    assert FileKeyring(office.keyring)._load() == tokens

    # 2. The server issued code blocks; the answer died with the process. (The previous refresh
    #    token still works: the server's grace returns the same successor.)
    a.run(receipts["a"], crash="after_reserve_answered")
    view, server = client_view(a.folder), server_view(engine, unit)
    assert (view.pending_requests, view.blocks) == (1, []) and server.blocks[a.device_id]
    issued = server.blocks[a.device_id]

    # 3. After sending: the server stored the first batch; the counter still has all of it queued.
    a.run(receipts["a"], crash="after_push_sent")
    view, server = client_view(a.folder), server_view(engine, unit)
    assert view.blocks == issued and view.pending_requests == 0  # the request was resent as it was
    assert server.ids_of(a.device_id) == view.own_ids and view.outbox == len(view.own_ids) == 10

    # 4. Before storing the results: the resent batch came back "duplicate", the transaction
    #    recording that was open and written when the process died.
    a.run(receipts["a"], crash="before_results_stored")
    view, server = client_view(a.folder), server_view(engine, unit)
    assert server.ids_of(a.device_id) == view.own_ids and view.outbox == len(view.own_ids) == 10

    # 5. Mid-page: counter B dies with half of its first page (A's events) inserted.
    a.run(receipts["a"])
    b.run(receipts["b"], crash="mid_pull_page")
    view = client_view(b.folder)
    assert (view.cursor, view.event_ids) == ("", [])

    b.run(receipts["b"])
    a.run(receipts["a"])  # pulls what B pushed last
    assert_converged(office, [a, b], receipts)
    assert client_view(a.folder).blocks == issued  # nothing cut twice for the lost answer


def test_counters_killed_at_random_moments_and_between_pages(office: Office) -> None:
    seed = int(os.environ.get("MOTCUA_CRASH_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    counters = [office.counter("a", 0), office.counter("b", 500_000)]
    receipts = {"a": 160, "b": 160}  # a counter that pulls later gets many pages
    kills = 0
    for round_ in range(3):
        # Each round has new receipts to make, so a driver is still at work when the kill comes
        # (a round that had finished its share gave a run with no kill at all).
        share = 80 + 40 * round_
        procs = [c.start(share, per_pass=20) for c in counters]
        try:
            for proc in procs:  # both logged in and working
                assert proc.stdout is not None
                assert proc.stdout.readline().strip() == "ready", f"seed {seed}: driver did not start"
            # The kill comes after a random number of the driver's passes and a random part of the
            # next one, never after a fixed time: a pass takes 0.05 s on a fast machine and 1 s on a
            # loaded one, so a wall-clock delay often came after both drivers had finished.
            for proc in procs:
                assert proc.stdout is not None
                for _ in range(rng.randrange(share // 20)):
                    if not proc.stdout.readline().startswith("pass"):
                        break
                time.sleep(rng.uniform(0, 0.02))  # into the next pass (one takes ≥ 0.04 s here)
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    kills += 1
        finally:
            for proc in procs:
                proc.kill()
                proc.communicate(timeout=30)
    assert kills > 0, f"seed {seed}: no process was still running when the kill came"
    a, b = counters
    runs = [(c, c.start(receipts[c.name], per_pass=20)) for c in counters]  # both finish their day at once
    for counter, proc in runs:
        counter.finish(proc)
    for counter in counters:  # everything is pushed now: one more run each pulls what the other sent last
        counter.run(receipts[counter.name])

    # A counter enrolled now pulls the day in four pages; it dies once the first one is stored.
    c = office.counter("c", 900_000)
    c.run(0, crash="after_cursor_saved")
    view = client_view(c.folder)
    assert view.cursor and len(view.event_ids) == BATCH - 1  # a page of BATCH changes: the office set-up's
    # "reference" change (its officer created) comes first, then events
    c.run(0)
    receipts["c"] = 0
    try:
        assert_converged(office, [a, b, c], receipts)
    except AssertionError as exc:
        raise AssertionError(f"seed {seed} (MOTCUA_CRASH_SEED={seed} repeats it): {exc}") from exc
