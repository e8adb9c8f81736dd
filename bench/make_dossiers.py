"""Benchmark data: a local database with N realistic dossiers (default 1,000,000) and their events.

Usage::

    .venv/bin/python bench/make_dossiers.py [--rows N] [--db bench/data/bench.db] [--force]

The schema comes from ``open_database`` (the Alembic migration) and the demo office from
``seed_demo``; the rows are then bulk-inserted with raw sqlite3 for speed. Every value goes
through the bind processor SQLAlchemy itself would use for that column (dates, JSON…), and
``search_text`` is computed with ``app.store.projection.search_text``, so the rows are exactly
what the app would have written. The FTS5 triggers fire on every insert; the index is merged
with ``optimize`` at the end. Each dossier gets its ``dossier.*`` event (so ``get_detail`` reads
a real history) and the day/year sequences are brought up to date. Outbox rows are not written:
the data stands for dossiers that have already been synced.

A file that already holds the requested number of rows (and was made by this script with the
same seed) is reused, so the benchmarks can be rerun without regenerating.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, select

from app.domain.catalog import Procedure, load_catalog
from app.domain.codes import MAX_DAILY_SEQUENCE, format_dossier_code
from app.domain.events import EventType
from app.domain.idcard import PROVINCE_CODES
from app.domain.status import DossierStatus
from app.services.seed import DEMO_UNIT_CODE, seed_demo
from app.store.db import open_database, session_factory, transaction
from app.store.models import Device, Dossier, Event, FigureGroup, Officer
from app.store.projection import search_text

GENERATOR_VERSION = 1
DEFAULT_DB = Path(__file__).resolve().parent / "data" / "bench.db"
DEFAULT_ROWS = 1_000_000
CHUNK = 50_000
LAST_DAY = date(2026, 11, 21)  # the data ends the day before the benchmark date
DAYS = 730

# Family names with rough real frequencies (percent of the population).
FAMILY = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 3), ("Huỳnh", 2), ("Phan", 4.5),
    ("Vũ", 2), ("Võ", 2), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3),
    ("Dương", 1), ("Lý", 0.5),
)  # fmt: skip
MIDDLE_M = ("Văn", "Văn", "Văn", "Đức", "Minh", "Quốc", "Hữu", "Công", "Thanh", "Xuân", "Đình", "Ngọc",
            "Hoàng", "Quang", "Trọng", "Mạnh", "Tuấn", "Gia")  # fmt: skip
MIDDLE_F = ("Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Thùy", "Phương",
            "Hồng", "Mai", "Bích", "Diệu", "Khánh", "Bảo")  # fmt: skip
GIVEN_M = ("An", "Anh", "Bảo", "Bình", "Cường", "Dũng", "Dương", "Đạt", "Đức", "Giang", "Hải", "Hùng",
           "Huy", "Hoàng", "Hiếu", "Khánh", "Khoa", "Kiên", "Lâm", "Long", "Lộc", "Minh", "Nam",
           "Nghĩa", "Phong", "Phúc", "Quang", "Quân", "Sơn", "Tâm", "Thắng", "Thành", "Thịnh",
           "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Hưng", "Toàn", "Tiến")  # fmt: skip
GIVEN_F = ("An", "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Huyền", "Lan",
           "Linh", "Loan", "Mai", "Ngọc", "Nhung", "Nga", "Oanh", "Phương", "Quỳnh", "Thảo", "Thu",
           "Thủy", "Trang", "Tuyết", "Vân", "Yến", "Hiền", "Hồng", "Liên", "My", "Nhi", "Ngân",
           "Trâm", "Uyên", "Xuân", "Diệp")  # fmt: skip
SECOND_MIDDLE_M = ("Minh", "Quốc", "Anh", "Hải", "Thanh", "Bảo", "Hoài")
SECOND_MIDDLE_F = ("Thu", "Ngọc", "Minh", "Thanh", "Hoài", "Bảo", "Kim")
WARDS = ("Phường Hồng Gai", "Phường Hạ Long", "Phường Bãi Cháy", "Phường Cao Xanh", "Phường Hà Lầm",
         "Phường Hà Tu", "Phường Tuần Châu", "Phường Việt Hưng", "Xã Thống Nhất", "Xã Quảng La",
         "Phường Cẩm Phả", "Phường Uông Bí", "Phường Đông Triều", "Xã Vân Đồn")  # fmt: skip
# Most applicants were born in Quảng Ninh; the rest anywhere.
PROVINCES = tuple(PROVINCE_CODES)
REFUSAL = "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan tiếp nhận."
SUPPLEMENT = ("Bản sao giấy tờ chưa được chứng thực", "Tờ khai chưa ghi đủ thông tin")


def _uuid7(ms: int, rng: random.Random) -> str:
    """A UUIDv7 for a given millisecond (as uuid6.uuid7 would have made at that time)."""
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rng.getrandbits(12) << 64 | 0b10 << 62
    value |= rng.getrandbits(62)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _day_counts(rows: int, rng: random.Random) -> list[tuple[date, int]]:
    """Split ``rows`` over the last DAYS days: weekdays busy, Saturday light, Sunday closed."""
    days = [LAST_DAY - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    weights = [(0.0 if d.weekday() == 6 else 0.3 if d.weekday() == 5 else 1.0) * rng.uniform(0.6, 1.4)
               for d in days]  # fmt: skip
    total = sum(weights)
    counts = [int(rows * w / total) for w in weights]
    short = rows - sum(counts)
    busy = sorted(range(DAYS), key=lambda i: -weights[i])
    for i in range(short):
        counts[busy[i % DAYS]] += 1
    if max(counts) > MAX_DAILY_SEQUENCE:
        raise SystemExit(f"{rows} rows need more than {MAX_DAILY_SEQUENCE} dossiers a day; lower --rows")
    return [(d, c) for d, c in zip(days, counts, strict=True) if c]


def _defaults(model: Any) -> dict[str, Any]:
    """Each column's scalar default (None where there is none or it is computed)."""
    out: dict[str, Any] = {}
    for column in model.__table__.columns:
        default = column.default
        out[column.name] = default.arg if default is not None and default.is_scalar else None
    return out


class Generator:
    """Makes dossier and event rows (as bound values, in column order) day by day."""

    def __init__(self, engine: Engine, procedures: tuple[Procedure, ...], device_id: str,
                 officers: list[tuple[str, str]], rng: random.Random) -> None:  # fmt: skip
        self.rng = rng
        self.procedures = procedures
        self.device_id = device_id
        self.officers = officers
        # Popular procedures (birth registration, certified copies…) dominate a real counter.
        self.proc_weights = [1.0 / (1 + i * 0.15) for i in range(len(procedures))]
        self.family = [f for f, _ in FAMILY]
        self.family_w = [w for _, w in FAMILY]
        dialect = engine.dialect
        self.d_cols = [c.name for c in Dossier.__table__.columns if c.name != "id"]
        self.e_cols = [c.name for c in Event.__table__.columns]
        # Columns this generator does not fill (added by later issues: ratings, clock offsets…) get
        # their model default, so new columns do not break the benchmark data.
        self.d_defaults = _defaults(Dossier)
        self.e_defaults = _defaults(Event)
        self.d_proc = [Dossier.__table__.c[n].type.bind_processor(dialect) for n in self.d_cols]
        self.e_proc = [Event.__table__.c[n].type.bind_processor(dialect) for n in self.e_cols]
        self.device_seq = 0
        self.register_no: dict[int, int] = {}
        self.day_last: dict[date, int] = {}
        # FigureGroup ids as the projection would give them (migration 0011), in order of first use.
        self.groups: dict[tuple[str, ...], int] = {}

    def _name(self) -> tuple[str, str]:
        r = self.rng
        female = r.random() < 0.52
        family = r.choices(self.family, self.family_w)[0]
        middle = r.choice(MIDDLE_F if female else MIDDLE_M)
        given = r.choice(GIVEN_F if female else GIVEN_M)
        parts = [family, middle]
        if r.random() < 0.2:
            parts.append(r.choice(SECOND_MIDDLE_F if female else SECOND_MIDDLE_M))
        parts.append(given)
        return " ".join(parts), "Nữ" if female else "Nam"

    def _personal_id(self, birth: date, sex: str) -> str:
        r = self.rng
        province = "022" if r.random() < 0.6 else r.choice(PROVINCES)
        century = (birth.year // 100 - 19) * 2 + (1 if sex == "Nữ" else 0)
        return f"{province}{century}{birth.year % 100:02d}{r.randrange(1_000_000):06d}"

    def _bind(self, values: list[Any], procs: list[Any]) -> tuple[Any, ...]:
        return tuple(p(v) if p is not None else v for v, p in zip(values, procs, strict=True))

    def day(self, day: date, count: int) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
        """(dossier row, event row) for each dossier of ``day``, in order of arrival."""
        r = self.rng
        start = datetime(day.year, day.month, day.day, 7, 30)
        seconds = sorted(r.randrange(9 * 3600 + 1800) for _ in range(count))
        seq = 0
        for sec in seconds:
            at = start + timedelta(seconds=sec)
            roll = r.random()
            status = DossierStatus.RECEIVED if roll < 0.9 else (
                DossierStatus.SUPPLEMENT_REQUESTED if roll < 0.97 else DossierStatus.REFUSED)  # fmt: skip
            proc = r.choices(self.procedures, self.proc_weights)[0]
            name, sex = self._name()
            birth = date(r.randint(1945, 2007), r.randint(1, 12), r.randint(1, 28))
            pid = self._personal_id(birth, sex)
            phone = f"09{r.randrange(100_000_000):08d}"
            address = (
                f"Số {r.randint(1, 200)}, tổ {r.randint(1, 30)}, khu {r.randint(1, 12)}, {r.choice(WARDS)}, Quảng Ninh"
            )
            email = f"{pid[-6:]}@example.vn" if r.random() < 0.15 else ""
            officer_id, officer_name = r.choice(self.officers)
            applicant = {"full_name": name, "personal_id": pid, "birth_date": birth.isoformat(), "sex": sex,
                         "address": address, "phone": phone, "email": email}  # fmt: skip
            code = due = reg = None
            payload: dict[str, Any] = {
                "code": None,
                "unit_code": DEMO_UNIT_CODE,
                "counter_name": "Quầy số 01",
                "procedure": {
                    "code": proc.code,
                    "name": proc.name,
                    "field": proc.field,
                    "department_code": proc.department.code,
                    "department_name": proc.department.name,
                },
                "applicant": applicant,
                "received_at": at.isoformat(timespec="seconds"),
            }
            if status is DossierStatus.RECEIVED:
                seq += 1
                code = format_dossier_code(DEMO_UNIT_CODE, day, seq)
                due = datetime(day.year, day.month, day.day, 17, 0) + timedelta(days=r.choice((0, 1, 3, 5, 7, 10, 15)))
                self.register_no[day.year] = reg = self.register_no.get(day.year, 0) + 1
                payload.update(code=code, due_at=due.isoformat(timespec="minutes"), register_no=reg, daily_seq=seq)
                kind = EventType.RECEIVED
            elif status is DossierStatus.REFUSED:
                payload["reason"] = REFUSAL
                kind = EventType.REFUSED
            else:
                payload.update(items=list(SUPPLEMENT[: r.randint(1, 2)]), reason="Hồ sơ chưa đầy đủ.")
                kind = EventType.SUPPLEMENT_REQUESTED
            group_key = (DEMO_UNIT_CODE, proc.department.code, proc.department.name, proc.field, proc.code, proc.name,
                         officer_id, officer_name)  # fmt: skip
            group = self.groups.setdefault(group_key, len(self.groups) + 1)
            ms = int(at.timestamp() * 1000)
            uid = _uuid7(ms, r)
            self.device_seq += 1
            hlc = f"{ms:013d}:{0:05d}:{self.device_id}"
            d_values = dict(
                uid=uid, code=code, unit_code=DEMO_UNIT_CODE, status=int(status), procedure_code=proc.code,
                procedure_name=proc.name, field=proc.field, department_code=proc.department.code,
                department_name=proc.department.name, applicant_name=name, personal_id=pid, birth_date=birth,
                sex=sex, address=address, phone=phone, email=email, received_at=at, due_at=due, received_due_at=due,
                register_no=reg, officer_id=officer_id, officer_name=officer_name, device_id=self.device_id,
                version=1, data=payload, search_text=search_text(code, name, pid, phone, proc.name),
                updated_at=at, figure_group=group,
            )  # fmt: skip
            e_values = dict(
                id=_uuid7(ms, r), device_id=self.device_id, device_seq=self.device_seq, type=str(kind),
                dossier_uid=uid, base_version=0, officer_id=officer_id, officer_name=officer_name,
                occurred_at=at, hlc=hlc, payload=payload, sync_status="accepted", synced_at=None, conflict_ids=[],
            )  # fmt: skip
            d_all, e_all = self.d_defaults | d_values, self.e_defaults | e_values
            yield (self._bind([d_all[c] for c in self.d_cols], self.d_proc),
                   self._bind([e_all[c] for c in self.e_cols], self.e_proc))  # fmt: skip
        if seq:
            self.day_last[day] = seq


def _meta_path(db: Path) -> Path:
    return db.with_name(db.name + ".meta.json")


def existing_rows(db: Path, rows: int, seed: int) -> bool:
    """Whether ``db`` is a finished file from this generator with ``rows`` dossiers."""
    meta = _meta_path(db)
    if not db.exists() or not meta.exists():
        return False
    try:
        info = json.loads(meta.read_text())
    except ValueError:
        return False
    if info != {"rows": rows, "seed": seed, "version": GENERATOR_VERSION}:
        return False
    conn = sqlite3.connect(db)
    try:
        (count,) = conn.execute("SELECT count(*) FROM dossier").fetchone()
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
    return int(count) == rows


def _remove(db: Path) -> None:
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), _meta_path(db)):
        p.unlink(missing_ok=True)


def generate(db: Path, rows: int, seed: int) -> None:
    """Create ``db`` from scratch with ``rows`` dossiers."""
    t0 = time.perf_counter()
    _remove(db)
    rng = random.Random(seed)
    catalog = load_catalog()
    engine = open_database(db)
    factory = session_factory(engine)
    with transaction(factory) as session:
        device_id = seed_demo(session, catalog)
        officers = [(o.id, o.full_name) for o in session.scalars(select(Officer).order_by(Officer.username))]
    gen = Generator(engine, catalog.procedures, device_id, officers, rng)
    engine.dispose()

    conn = sqlite3.connect(db, isolation_level=None)
    # Generation only: the file is thrown away if the run dies, so durability does not matter here.
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    conn.execute("PRAGMA temp_store=MEMORY")
    # Secondary indexes are cheaper to build once at the end; their exact DDL is put back.
    index_sql = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name IN ('dossier','event')"
        " AND name LIKE 'ix_%' AND sql IS NOT NULL")]  # fmt: skip
    for sql in index_sql:
        conn.execute("DROP INDEX " + sql.split()[2])
    d_sql = f"INSERT INTO dossier ({', '.join(gen.d_cols)}) VALUES ({', '.join('?' * len(gen.d_cols))})"
    e_sql = f"INSERT INTO event ({', '.join(gen.e_cols)}) VALUES ({', '.join('?' * len(gen.e_cols))})"
    done = 0
    d_buf: list[tuple[Any, ...]] = []
    e_buf: list[tuple[Any, ...]] = []

    def flush() -> None:
        conn.execute("BEGIN")
        conn.executemany(d_sql, d_buf)  # the FTS5 insert trigger fires for every row
        conn.executemany(e_sql, e_buf)
        conn.execute("COMMIT")
        d_buf.clear()
        e_buf.clear()

    for day, count in _day_counts(rows, rng):
        for d_row, e_row in gen.day(day, count):
            d_buf.append(d_row)
            e_buf.append(e_row)
        if len(d_buf) >= CHUNK:
            done += len(d_buf)
            flush()
            el = time.perf_counter() - t0
            print(f"  {done:>9,} / {rows:,} dossiers  {el:6.1f} s  ({done / el:,.0f}/s)", flush=True)
    done += len(d_buf)
    flush()
    print(f"  {done:>9,} / {rows:,} dossiers inserted  {time.perf_counter() - t0:6.1f} s", flush=True)

    t1 = time.perf_counter()
    conn.execute("BEGIN")
    for sql in index_sql:
        conn.execute(sql)
    conn.executemany("INSERT INTO code_sequence (unit_code, day, last) VALUES (?, ?, ?)",
                     [(DEMO_UNIT_CODE, d.isoformat(), n) for d, n in gen.day_last.items()])  # fmt: skip
    conn.executemany(f"INSERT INTO {FigureGroup.__tablename__} (id, unit_code, department_code, department_name,"
                     " field, procedure_code, procedure_name, officer_id, officer_name)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(gid, *key) for key, gid in gen.groups.items()])  # fmt: skip
    conn.executemany("INSERT INTO register_sequence (unit_code, year, last) VALUES (?, ?, ?)",
                     [(DEMO_UNIT_CODE, y, n) for y, n in gen.register_no.items()])  # fmt: skip
    last_hlc = conn.execute("SELECT max(hlc) FROM event").fetchone()[0]
    conn.execute(f"UPDATE {Device.__tablename__} SET last_seq=?, last_hlc=? WHERE id=?",
                 (gen.device_seq, last_hlc, device_id))  # fmt: skip
    conn.execute("COMMIT")
    print(f"  indexes rebuilt  {time.perf_counter() - t1:6.1f} s", flush=True)
    t1 = time.perf_counter()
    conn.execute("INSERT INTO dossier_fts(dossier_fts) VALUES('optimize')")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"  FTS optimize + ANALYZE  {time.perf_counter() - t1:6.1f} s", flush=True)
    _meta_path(db).write_text(json.dumps({"rows": rows, "seed": seed, "version": GENERATOR_VERSION}))
    size = db.stat().st_size / 2**20
    print(f"generated {rows:,} dossiers in {db} ({size:,.0f} MiB) in {time.perf_counter() - t0:.1f} s")


def ensure(db: Path = DEFAULT_DB, rows: int = DEFAULT_ROWS, seed: int = 20261122, force: bool = False) -> Path:
    """Make ``db`` unless a finished file with ``rows`` dossiers is already there."""
    if not force and existing_rows(db, rows, seed):
        print(f"reusing {db} ({rows:,} dossiers)")
        return db
    print(f"generating {rows:,} dossiers into {db} …", flush=True)
    generate(db, rows, seed)
    return db


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--force", action="store_true", help="regenerate even if the file is reusable")
    args = parser.parse_args()
    ensure(args.db, args.rows, args.seed, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
