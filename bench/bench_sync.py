"""Benchmark: the sync server on PostgreSQL through its real HTTP API (uvicorn on loopback).

Usage::

    .venv/bin/python bench/bench_sync.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]
        [--workers 2] [--rounds 5] [--batches 8] [--counters 300] [--seconds 30]

1. **Push throughput**: one device pushes batches of 500 ``dossier.received`` events
   (``POST /sync/push``, JSON over HTTP, one transaction per batch) — events/s, median of
   ``--rounds`` rounds. **Baseline in the same run**: the same rows the server writes for those
   events (``events``, ``dossiers``, ``change_feed``), inserted raw with psycopg into the same
   tables, 500 per transaction, with ``executemany`` (and, for reference, ``COPY``).
   Targets: ≥ 30 % (issue 13; 20 % before) of the raw ``executemany`` rate and ≥ 1,000 events/s.
2. **300 counters at once**: 30 offices × 10 PCs, each PC (an asyncio task with httpx) pushes a
   small batch (1–3 events) every 1–3 s and keeps a long-poll pull open on its office's feed.
   Targets: push p99 ≤ 300 ms, no errors. Also reported: how long a push takes to reach the
   other counters of its office (push sent → seen in their long-poll answer), and the CPU of
   the server, PostgreSQL and the bench. The pushes and the long-polls run in two bench
   processes (aiohttp), so a push's answer is not timed behind the 29 answers it woke
   (``--shared-loop``: one process, as before). ``--load-only`` skips part 1.

A fresh database ``motcua_bench_<random>`` is created and dropped. Exits 1 when a target is
missed.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import multiprocessing
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import httpx
import psycopg
from psycopg.types.json import Jsonb

from app.domain.events import new_id
from server import admin
from server.db import make_engine, migrate, session_factory, transaction

PUSH_SHARE_TARGET = 0.30  # issue 13: with typed validation, ≥ 30 % of raw executemany (it was 38 %)
PUSH_RATE_TARGET = 1000.0
P99_TARGET_MS = 300.0
BATCH = 500


# The server reserves numbers only from yesterday to a week ahead (office date, UTC+7), and flags an
# event that happened in the future of its clock: the bench's days start yesterday, its times are past.
def vn_now() -> datetime:
    """Office local time (Vietnam, UTC+7), naive, as counters write it."""
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=7)


DAY0 = vn_now().date() - timedelta(days=1)
PASSWORD = "matkhau-bench-2026"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def unit_code(i: int) -> str:
    return f"000.{i:02d}.00.H49"


# --- events as a counter writes them ----------------------------------------------------------


@dataclass
class Device:
    """An enrolled PC with a logged-in officer."""

    unit: str
    device_id: str
    slot: int
    token: str = ""
    officer_id: str = ""
    officer_name: str = ""
    seq: int = 0
    block: tuple[int, int] = (0, 0)
    ms: int = field(default_factory=lambda: int(time.time() * 1000))

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def received(self, day: date, number: int, rng: random.Random) -> dict[str, Any]:
        """A realistic ``dossier.received`` event (payload keys of app/services/reception.py)."""
        self.seq += 1
        self.ms += 1
        at = datetime.combine(day, datetime.min.time()) + timedelta(hours=7, seconds=rng.randint(0, 30000))
        at = min(at, vn_now() - timedelta(minutes=1))  # codes of days ahead are received "now"
        pid = f"0{rng.randint(10**10, 10**11 - 1)}"
        return {
            "id": new_id(),
            "device_id": self.device_id,
            "device_seq": self.seq,
            "type": "dossier.received",
            "dossier_uid": new_id(),
            "base_version": 0,
            "officer_id": self.officer_id,
            "officer_name": self.officer_name,
            "occurred_at": at.isoformat(),
            "hlc": f"{self.ms:013d}:00000:{self.device_id}",
            "payload": {
                "code": f"{self.unit}-{day:%y%m%d}-{number:04d}",
                "unit_code": self.unit,
                "counter_name": "Quầy số 01",
                "procedure": {
                    "code": f"1.00{rng.randint(1000, 9999)}",
                    "name": (
                        "Đăng ký khai sinh kết hợp đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"
                    ),
                    "field": "Hộ tịch",
                    "level": "commune",
                    "department_code": "TP",
                    "department_name": "Phòng Tư pháp",
                    "processing": {"value": 3, "unit": "working_days", "cutoff": None},
                    "processing_text": "03 ngày làm việc",
                    "fee_text": "Miễn lệ phí",
                    "legal_basis": "Luật Hộ tịch số 60/2014/QH13; Nghị định 123/2015/NĐ-CP",
                },
                "applicant": {
                    "full_name": rng.choice(["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung"]),
                    "personal_id": pid,
                    "birth_date": "1990-01-01",
                    "sex": "Nam",
                    "address": "Số 12, đường Lê Thánh Tông, phường Hồng Gai, thành phố Hạ Long, tỉnh Quảng Ninh",
                    "phone": f"09{rng.randint(10**7, 10**8 - 1)}",
                    "email": "",
                },
                "documents": [
                    {"name": "Tờ khai đăng ký khai sinh", "form_label": "Mẫu", "copies": 1, "required": True},
                    {"name": "Giấy chứng sinh", "form_label": "", "copies": 1, "required": True},
                ],
                "sets": 1,
                "return_method": "Bộ phận Một cửa (nhận trực tiếp)",
                "note": "",
                "received_at": at.isoformat(),
                "due_at": (at + timedelta(days=3)).isoformat(timespec="minutes"),
                "register_book": f"{day.year}",
                "register_no": number,
                "daily_seq": number,
            },
        }


# --- server process -----------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` (Linux /proc; 0 elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def process_tree(pid: int) -> list[int]:
    """``pid`` and its children (uvicorn's worker processes)."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, IndexError, ValueError):
                continue
    return found


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (its backends do the SQL work)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``uvicorn server.app:create_app`` in a child process on loopback."""

    def __init__(self, url: str, data_dir: Path, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(
            os.environ,
            MOTCUA_SERVER_DATABASE_URL=url,
            MOTCUA_SERVER_DATA_DIR=str(data_dir),
            MOTCUA_SERVER_SECRET_KEY="bench-" + "k" * 40,
            # Part 1's one PC reserves 4,000 numbers a day (a real counter's cap is 500).
            MOTCUA_SERVER_CODES_PER_DEVICE_DAY="4999",
        )
        cmd = [sys.executable, "-m", "uvicorn", "server.app:create_app", "--factory", "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
        # Longer than a counter stays idle between requests: no reset of a reused keep-alive connection.
        cmd += ["--timeout-keep-alive", "75"]
        cmd += os.environ.get("MOTCUA_BENCH_UVICORN", "").split()  # e.g. "--loop asyncio --http h11" (A/B)
        self.proc = subprocess.Popen(cmd, env=env, cwd=Path(__file__).resolve().parent.parent)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def province(counters: int) -> list[int]:
    """PCs per office for ``counters`` PCs, shaped like a province: one provincial centre of 30
    counters, district centres of 10, commune offices of 3 (300 → 1×30 + 9×10 + 60×3)."""
    sizes: list[int] = []
    for size, offices in ((30, 1), (10, 9), (3, 10_000)):
        for _ in range(offices):
            if sum(sizes) >= counters:
                return sizes
            sizes.append(min(size, counters - sum(sizes)))
    return sizes


def setup_offices(url: str, sizes: list[int]) -> list[tuple[str, str]]:
    """Offices with ``sizes[i]`` PCs and one officer each; (unit, enrolment code) for every PC."""
    engine = make_engine(url, pool_size=2)
    codes: list[tuple[str, str]] = []
    now = datetime.now(UTC)
    try:
        for u, devices_per_unit in enumerate(sizes):
            unit = unit_code(u + 1)
            with transaction(session_factory(engine)) as s:
                admin.create_office(s, now, unit_code=unit, name=f"Trung tâm {unit}", governing_body="UBND TỈNH",
                                    place_name="Quảng Ninh")  # fmt: skip
                admin.create_officer(s, now, unit, username=f"canbo{u + 1}", full_name=f"Cán bộ {u + 1}",
                                     role="officer", password=PASSWORD)  # fmt: skip
                for _ in range(devices_per_unit):
                    codes.append((unit, admin.create_enrolment_code(s, now, unit).code))
    finally:
        engine.dispose()
    return codes


async def enrol_and_login(client: httpx.AsyncClient, codes: list[tuple[str, str]]) -> list[Device]:
    async def one(unit: str, code: str, n: int) -> Device:
        r = await client.post("/auth/enrol", json={"code": code, "counter_name": f"Quầy số {n:02d}"})
        r.raise_for_status()
        e = r.json()
        d = Device(unit=unit, device_id=e["device_id"], slot=e["slot"])
        body = {"username": f"canbo{int(unit.split('.')[1])}", "password": PASSWORD, "device_id": d.device_id,
                "device_secret": e["device_secret"]}  # fmt: skip
        r = await client.post("/auth/login", json=body)
        r.raise_for_status()
        s = r.json()
        d.token, d.officer_id, d.officer_name = s["access_token"], s["officer"]["id"], s["officer"]["full_name"]
        return d

    # One office's PCs one after another (concurrent enrolments of one office race for a slot),
    # a few offices at a time (a login holds a database connection while it hashes the password).
    gate = asyncio.Semaphore(4)

    async def office(unit: str) -> list[Device]:
        async with gate:
            return [await one(u, c, n + 1) for n, (u, c) in enumerate(x for x in codes if x[0] == unit)]

    units = list(dict.fromkeys(u for u, _ in codes))
    return [d for group in await asyncio.gather(*(office(u) for u in units)) for d in group]


# --- 1. push throughput vs raw inserts -----------------------------------------------------------


def make_batches(device: Device, count: int, rng: random.Random) -> list[list[dict[str, Any]]]:
    """``count`` batches of 500 events with codes inside blocks reserved for the device."""
    events = []
    for _ in range(count * BATCH):
        n = device.seq  # numbering continues across calls: codes never repeat
        events.append(device.received(DAY0 + timedelta(days=n // 4000), n % 4000 + 1, rng))
    return [events[i : i + BATCH] for i in range(0, len(events), BATCH)]


def reserve(client: httpx.Client, device: Device, days: list[date]) -> None:
    for _ in range(2):  # 2 × 2000 numbers per day
        for start in range(0, len(days), 10):
            body = {"request_id": new_id(), "device_id": device.device_id,
                    "days": [d.isoformat() for d in days[start : start + 10]], "size": 2000}  # fmt: skip
            client.post("/codes/reserve", json=body, headers=device.headers).raise_for_status()


def push_rounds(base: str, device: Device, rounds: int, batches: int) -> list[float]:
    rng = random.Random(1)
    days = [DAY0 + timedelta(days=d) for d in range(((rounds + 1) * batches * BATCH) // 4000 + 2)]
    rates = []
    with httpx.Client(base_url=base, timeout=120) as client:
        reserve(client, device, days)
        warm = make_batches(device, 1, rng)[0]
        client.post("/sync/push", json={"device_id": device.device_id, "events": warm}, headers=device.headers)
        for _ in range(rounds):
            plan = make_batches(device, batches, rng)
            bodies = [json.dumps({"device_id": device.device_id, "events": b}).encode() for b in plan]
            headers = device.headers | {"Content-Type": "application/json"}
            start = time.perf_counter()
            for body in bodies:
                r = client.post("/sync/push", content=body, headers=headers)
                r.raise_for_status()
                statuses = {x["status"] for x in r.json()["results"]}
                if statuses != {"accepted"}:
                    raise RuntimeError(f"unexpected push results: {statuses}")
            rates.append(batches * BATCH / (time.perf_counter() - start))
    return rates


EVENT_COLS = ["id", "device_id", "device_seq", "unit_code", "type", "dossier_uid", "base_version", "officer_id",
              "officer_name", "occurred_at", "hlc", "payload", "server_received_at", "status", "reason",
              "conflict_ids", "flags"]  # fmt: skip
DOSSIER_COLS = ["uid", "unit_code", "code", "printed_code", "status", "version", "procedure_code", "procedure_name",
                "applicant_name", "personal_id", "phone", "received_at", "received_day", "due_at", "device_id",
                "officer_id", "first_event_id", "last_event_id", "last_hlc", "updated_at"]  # fmt: skip


def raw_rows(batch: list[dict[str, Any]], unit: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The events and dossiers rows the server writes for ``batch`` (change rows are 3 columns)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    events, dossiers = [], []
    for e in batch:
        p = e["payload"]
        received = datetime.fromisoformat(p["received_at"])
        events.append((e["id"], e["device_id"], e["device_seq"], unit, e["type"], e["dossier_uid"], 0, e["officer_id"],
                       e["officer_name"], datetime.fromisoformat(e["occurred_at"]), e["hlc"], Jsonb(p), now,
                       "accepted", "", Jsonb([]), Jsonb([])))  # fmt: skip
        dossiers.append((e["dossier_uid"], unit, p["code"], p["code"], 2, 1, p["procedure"]["code"],
                         p["procedure"]["name"], p["applicant"]["full_name"], p["applicant"]["personal_id"],
                         p["applicant"]["phone"], received, received.date(), datetime.fromisoformat(p["due_at"]),
                         e["device_id"], e["officer_id"], e["id"], e["id"], e["hlc"], now))  # fmt: skip
    return events, dossiers


def copy_rows(
    cur: psycopg.Cursor[Any], unit: str, events: list[tuple[Any, ...]], dossiers: list[tuple[Any, ...]]
) -> None:
    """COPY the rows of :func:`raw_rows` and their change-feed rows."""
    with cur.copy(f"COPY events ({', '.join(EVENT_COLS)}) FROM STDIN") as cp:
        for row in events:
            cp.write_row(row)
    with cur.copy(f"COPY dossiers ({', '.join(DOSSIER_COLS)}) FROM STDIN") as cp:
        for row in dossiers:
            cp.write_row(row)
    with cur.copy("COPY change_feed (unit_code, event_id, kind) FROM STDIN") as cp:
        for row in events:
            cp.write_row((unit, row[0], "event"))


def seed_history(conninfo: str, units: list[str], total: int) -> float:
    """``total`` past dossiers (one event and one change row each) spread over ``units``, then
    ANALYZE: the server meets tables of realistic size with planner statistics, as in production
    (an empty database that fills faster than autovacuum analyses it is not a real situation)."""
    rng = random.Random(4)
    start = time.perf_counter()
    per_unit = max(1, total // len(units))
    with psycopg.connect(conninfo) as conn:
        for unit in units:
            device = Device(unit=unit, device_id=new_id(), slot=99, officer_id=new_id(), officer_name="Cán bộ")
            history = []
            for n in range(per_unit):  # up to 40 a day, on the days before the bench's first day
                history.append(device.received(DAY0 - timedelta(days=1 + n // 40), n % 40 + 1, rng))
            events, dossiers = raw_rows(history, unit)
            with conn.transaction(), conn.cursor() as cur:
                copy_rows(cur, unit, events, dossiers)
        conn.execute("ANALYZE")
    return time.perf_counter() - start


def raw_rounds(conninfo: str, rounds: int, batches: int, copy: bool) -> list[float]:
    """Baseline: the same rows, 500 events per transaction, straight into PostgreSQL."""
    rng = random.Random(2)
    unit = unit_code(99 if copy else 98)
    device = Device(unit=unit, device_id=new_id(), slot=0, officer_id=new_id(), officer_name="Cán bộ")
    ev_sql = f"INSERT INTO events ({', '.join(EVENT_COLS)}) VALUES ({', '.join(['%s'] * len(EVENT_COLS))})"
    do_sql = f"INSERT INTO dossiers ({', '.join(DOSSIER_COLS)}) VALUES ({', '.join(['%s'] * len(DOSSIER_COLS))})"
    ch_sql = "INSERT INTO change_feed (unit_code, event_id, kind) VALUES (%s, %s, 'event')"
    rates = []
    with psycopg.connect(conninfo) as conn:
        for r in range(rounds + 1):  # round 0 warms up
            plan = [raw_rows(b, unit) for b in make_batches(device, batches, rng)]
            start = time.perf_counter()
            for events, dossiers in plan:
                with conn.transaction(), conn.cursor() as cur:
                    if copy:
                        copy_rows(cur, unit, events, dossiers)
                    else:
                        cur.executemany(ev_sql, events)
                        cur.executemany(do_sql, dossiers)
                        cur.executemany(ch_sql, [(unit, row[0]) for row in events])
            if r:
                rates.append(batches * BATCH / (time.perf_counter() - start))
    return rates


# --- 2. many counters at once -------------------------------------------------------------------


@dataclass
class Load:
    push_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pulls: int = 0
    pushed_events: int = 0
    sent_at: dict[str, float] = field(default_factory=dict)  # event id → time.monotonic() sent
    seen: list[tuple[str, float]] = field(default_factory=list)  # (event id, time seen by another PC)
    pg_cpu: float = 0.0  # PostgreSQL's CPU share during the load
    commit_ms: list[float] = field(default_factory=list)  # bare one-row commits in the same window

    def seen_ms(self) -> list[float]:
        return [(at - self.sent_at[i]) * 1000 for i, at in self.seen if i in self.sent_at]


async def counter_loop(
    client: aiohttp.ClientSession, d: Device, load: Load, stop: float, rng: random.Random, interval: float
) -> None:
    number = d.block[0]  # inside the block reserved for the device
    await asyncio.sleep(rng.uniform(0, interval))
    while time.monotonic() < stop:
        await asyncio.sleep(rng.uniform(0.5 * interval, 1.5 * interval))
        batch = [d.received(DAY0, number + i, rng) for i in range(rng.randint(1, 3))]
        number += len(batch)
        for e in batch:
            load.sent_at[e["id"]] = time.monotonic()
        start = time.perf_counter()
        try:
            body = {"device_id": d.device_id, "events": batch}
            async with client.post("/sync/push", json=body, headers=d.headers) as r:
                if r.status != 200:
                    load.errors.append(f"push {r.status} {(await r.text())[:100]}")
                    continue
                results = (await r.json())["results"]
            bad = [x for x in results if x["status"] not in ("accepted", "flagged")]
            if bad:
                load.errors.append(f"push result {bad[0]}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            load.errors.append(f"push {type(exc).__name__}: {exc}")
            continue
        load.push_ms.append((time.perf_counter() - start) * 1000)
        load.pushed_events += len(batch)


async def puller_loop(client: aiohttp.ClientSession, d: Device, load: Load, stop: float, cursor: str) -> None:
    while time.monotonic() < stop:
        try:
            params = {"cursor": cursor, "wait": "10", "limit": "500"}
            async with client.get("/sync/pull", params=params, headers=d.headers) as r:
                if r.status != 200:
                    load.errors.append(f"pull {r.status} {(await r.text())[:100]}")
                    await asyncio.sleep(0.5)
                    continue
                body = await r.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            load.errors.append(f"pull {type(exc).__name__}: {exc}")
            await asyncio.sleep(0.5)
            continue
        now = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process of the machine
        load.pulls += 1
        for change in body["changes"]:
            event = change["event"]
            if event and event["device_id"] != d.device_id:
                load.seen.append((event["id"], now))
        cursor = body["cursor"]


def commit_probe(conninfo: str, stop: float, every: float = 0.05) -> list[float]:
    """Baseline in the same window: a bare durable commit on the same PostgreSQL, every ``every`` s.

    One row inserted and committed (``synchronous_commit`` as configured), in a process of its
    own so that it neither slows nor is slowed by the bench's event loops. Each push waits for
    one such commit (its WAL flush); when the disk under PostgreSQL stalls, this shows it.
    """
    latencies = []
    with psycopg.connect(conninfo) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (n bigserial PRIMARY KEY, at timestamptz)")
        conn.commit()
        while time.monotonic() < stop:
            start = time.perf_counter()
            conn.execute("INSERT INTO bench_commit_probe (at) VALUES (now())")
            conn.commit()
            latencies.append((time.perf_counter() - start) * 1000)
            time.sleep(every)
    return latencies


def pc_session(base: str) -> aiohttp.ClientSession:
    """One counter PC's HTTP client for the load (aiohttp: the load generator shares the machine's
    two cores with the server and PostgreSQL; with httpx the bench client took 47 % of a core, with
    aiohttp 11 %: bench/RESULTS.md)."""
    return aiohttp.ClientSession(base_url=base, timeout=aiohttp.ClientTimeout(total=60))


def pull_process(base: str, devices: list[Device], cursors: dict[str, str], stop: float) -> tuple[Load, float]:
    """The long-polls of every PC, in a process of their own; returns them and its CPU seconds."""

    async def run() -> Load:
        load = Load()
        clients = [pc_session(base) for _ in devices]
        try:
            await asyncio.gather(
                *(puller_loop(c, d, load, stop, cursors[d.unit]) for c, d in zip(clients, devices, strict=True))
            )
        finally:
            for c in clients:
                await c.close()
        return load

    cpu = time.process_time()
    load = asyncio.run(run())
    return load, time.process_time() - cpu


async def many_counters(
    base: str,
    codes: list[tuple[str, str]],
    seconds: float,
    interval: float,
    server_pids: list[int],
    conninfo: str,
    shared_loop: bool = False,
) -> tuple[Load, float, float, float]:
    """Returns the load's figures, its duration, and the CPU share of the server and of the bench."""
    limits = httpx.Limits(max_connections=2000, max_keepalive_connections=2000)
    set_up = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        devices = await enrol_and_login(client, codes)
        for d in devices:  # one block of numbers per PC for the day
            r = await client.post("/codes/reserve", headers=d.headers, json={
                "request_id": new_id(), "device_id": d.device_id, "days": [DAY0.isoformat()], "size": 100})  # fmt: skip
            r.raise_for_status()
            block = r.json()["blocks"][0]
            d.block = (block["first"], block["last"])
        cursors: dict[str, str] = {}
        for d in devices:  # start every puller at the end of its office's feed
            if d.unit not in cursors:
                cursor, more = "", True
                while more:
                    r = await client.get("/sync/pull", params={"limit": 1000, "cursor": cursor}, headers=d.headers)
                    cursor, more = r.json()["cursor"], r.json()["more"]
                cursors[d.unit] = cursor
    # Each PC its own HTTP client (two connections: push and long-poll), as in the field. One
    # shared httpx pool of 600 busy connections costs the bench itself seconds per request.
    # The long-polls run in a process of their own: in the field the PC that pushes is not the
    # one that reads its office's 29 answers, and in one bench event loop each push's own answer
    # queued behind the fan-out it caused (measured: bench/RESULTS.md). --shared-loop: as before.
    load = Load()
    clients = [pc_session(base) for _ in devices]
    try:
        started = time.monotonic()
        print(f"   {len(devices)} PCs enrolled and logged in in {started - set_up:.0f} s; load starts", flush=True)
        cpu_before, client_before = cpu_seconds(server_pids), time.process_time()
        pg_pids = postgres_pids()
        pg_before = cpu_seconds(pg_pids)
        stop = started + seconds
        rng = random.Random(3)
        tasks = [
            counter_loop(c, d, load, stop, random.Random(rng.random()), interval)
            for c, d in zip(clients, devices, strict=True)
        ]
        pulled: concurrent.futures.Future[tuple[Load, float]] | None = None
        pool = concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))
        probed = pool.submit(commit_probe, conninfo, stop)
        if shared_loop:
            pullers = zip(clients, devices, strict=True)
            tasks += [puller_loop(c, d, load, stop + 11, cursors[d.unit]) for c, d in pullers]
        else:
            pulled = pool.submit(pull_process, base, devices, cursors, stop + 11)
        await asyncio.gather(*tasks)
        load.commit_ms = await asyncio.wrap_future(probed)
        puller_cpu = 0.0
        if pulled is not None:
            theirs, puller_cpu = await asyncio.wrap_future(pulled)
            load.pulls, load.seen = theirs.pulls, theirs.seen
            load.errors += theirs.errors
        pool.shutdown()
        elapsed = time.monotonic() - started
        server_cpu = (cpu_seconds(server_pids) - cpu_before) / elapsed
        load.pg_cpu = (cpu_seconds(pg_pids) - pg_before) / elapsed
        return load, elapsed, server_cpu, (time.process_time() - client_before + puller_cpu) / elapsed
    finally:
        for c in clients:
            await c.close()


# --- main -----------------------------------------------------------------------------------------


def throughput(args: argparse.Namespace, conninfo: str, base: str, pusher: Device) -> list[str]:
    """Part 1: push throughput against raw inserts of the same rows; the targets missed."""
    failed: list[str] = []
    print(f"\n1. push throughput: {args.rounds} rounds × {args.batches} batches × {BATCH} events")
    raw = raw_rounds(conninfo, args.rounds, args.batches, copy=False)
    raw_copy = raw_rounds(conninfo, args.rounds, args.batches, copy=True)
    pushed = push_rounds(base, pusher, args.rounds, args.batches)
    raw_median, copy_median, push_median = (statistics.median(x) for x in (raw, raw_copy, pushed))
    share = push_median / raw_median
    print(f"   baseline raw executemany (events+dossiers+change_feed rows): median {raw_median:8.0f} events/s")
    print(f"   baseline raw COPY (same rows, for reference):               median {copy_median:8.0f} events/s")
    print(f"   POST /sync/push over HTTP:                                  median {push_median:8.0f} events/s"
          f"  (rounds: {', '.join(f'{r:.0f}' for r in pushed)})")  # fmt: skip
    print(f"   push / raw executemany = {share:.0%} (target ≥ {PUSH_SHARE_TARGET:.0%});"
          f" push / raw COPY = {push_median / copy_median:.0%}")  # fmt: skip
    if share < PUSH_SHARE_TARGET:
        failed.append(f"push is {share:.0%} of raw inserts (< {PUSH_SHARE_TARGET:.0%})")
    if push_median < PUSH_RATE_TARGET:
        failed.append(f"push {push_median:.0f} events/s (< {PUSH_RATE_TARGET:.0f})")

    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batches", type=int, default=8, help="batches of 500 per round")
    parser.add_argument("--counters", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--interval", type=float, default=10, help="mean seconds between a counter's pushes")
    parser.add_argument("--history", type=int, default=100_000, help="past dossiers in the database before the runs")
    parser.add_argument(
        "--shared-loop", action="store_true", help="part 2: pushes and long-polls in one bench event loop (old)"
    )
    parser.add_argument("--load-only", action="store_true", help="skip part 1 (push throughput); for profiling part 2")
    args = parser.parse_args()

    admin_info = args.pg.replace("postgresql+psycopg://", "postgresql://")
    name = f"motcua_bench_{secrets.token_hex(4)}"
    url = args.pg.rsplit("/", 1)[0] + f"/{name}"
    conninfo = admin_info.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin_info, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    server: Server | None = None
    failed = []
    try:
        engine = make_engine(url, pool_size=1)
        migrate(engine)
        engine.dispose()
        sizes = province(args.counters)
        units = len(sizes)
        codes = setup_offices(url, [*sizes, 1])  # the last office: the push throughput PC
        all_units = [unit_code(i + 1) for i in range(units + 1)] + [unit_code(98), unit_code(99)]
        seeded = seed_history(conninfo, all_units, args.history)
        with tempfile.TemporaryDirectory() as data_dir:
            server = Server(url, Path(data_dir), args.workers)
            bench_unit = unit_code(units + 1)
            pusher = asyncio.run(_one_device(server.base, [c for c in codes if c[0] == bench_unit][:1]))
            print(f"PostgreSQL {_pg_version(conninfo)}, uvicorn workers {args.workers}, {os.cpu_count()} CPUs;"
                  f" history: {args.history:,} past dossiers in {len(all_units)} offices"
                  f" (seeded in {seeded:.0f} s)")  # fmt: skip
            if not args.load_only:
                failed += throughput(args, conninfo, server.base, pusher)
            counter_codes = [c for c in codes if c[0] != bench_unit][: args.counters]
            shape = ", ".join(f"{sizes.count(n)}×{n}" for n in sorted(set(sizes), reverse=True))
            print(f"\n2. {len(counter_codes)} counters in {units} offices ({shape} PCs) for {args.seconds:.0f} s:"
                  f" each pushes 1–3 events every {args.interval / 2:g}–{args.interval * 1.5:g} s"
                  " and keeps a long-poll pull open")  # fmt: skip
            load, elapsed, server_cpu, client_cpu = asyncio.run(
                many_counters(
                    server.base,
                    counter_codes,
                    args.seconds,
                    args.interval,
                    process_tree(server.proc.pid),
                    conninfo,
                    args.shared_loop,
                )
            )
            p50, p95, p99 = (percentile(load.push_ms, q) for q in (50, 95, 99))
            print(f"   CPU: server {server_cpu:.0%} of a core, PostgreSQL {load.pg_cpu:.0%},"
                  f" bench client {client_cpu:.0%},"
                  f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
            print(f"   pushes {len(load.push_ms)} ({load.pushed_events} events, {len(load.push_ms) / elapsed:.0f}/s),"
                  f" pull answers {load.pulls}, errors {len(load.errors)}")  # fmt: skip
            print(f"   push latency ms: median {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {max(load.push_ms):.1f}"
                  f"  (target p99 ≤ {P99_TARGET_MS:.0f})")  # fmt: skip
            c50, c99 = percentile(load.commit_ms, 50), percentile(load.commit_ms, 99)
            slow = sum(1 for c in load.commit_ms if c > P99_TARGET_MS)
            print(f"   baseline, same window: a bare one-row INSERT + COMMIT every 50 ms on the same PostgreSQL:"
                  f" median {c50:.1f}  p99 {c99:.1f}  max {max(load.commit_ms):.1f} ms"
                  f" ({len(load.commit_ms)} commits, {slow} over {P99_TARGET_MS:.0f} ms)")  # fmt: skip
            if seen_ms := load.seen_ms():
                s50, s99 = percentile(seen_ms, 50), percentile(seen_ms, 99)
                print(f"   push → seen by the office's other counters (long-poll): median {s50:.0f} ms,"
                      f" p99 {s99:.0f} ms"
                      f" ({len(seen_ms)} deliveries)")  # fmt: skip
            for error in load.errors[:5]:
                print(f"   error: {error}")
            if p99 > P99_TARGET_MS:
                failed.append(f"push p99 {p99:.0f} ms (> {P99_TARGET_MS:.0f})")
            if load.errors:
                failed.append(f"{len(load.errors)} errors under load")
    finally:
        if server is not None:
            server.stop()
        with psycopg.connect(admin_info, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print("\n" + ("ALL TARGETS MET" if not failed else "TARGETS MISSED: " + "; ".join(failed)))
    return 1 if failed else 0


async def _one_device(base: str, codes: list[tuple[str, str]]) -> Device:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        return (await enrol_and_login(client, codes))[0]


def _pg_version(conninfo: str) -> str:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


if __name__ == "__main__":
    sys.exit(main())
