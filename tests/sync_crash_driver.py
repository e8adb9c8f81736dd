"""A counter PC as its own process, for tests/test_sync_crash.py: open the data folder, record
receipts through the real services, and run sync passes until everything is up and down.

    python -m tests.sync_crash_driver --folder DIR --keyring FILE --username U --receipts N
        [--per-pass K] [--pid-base B] [--max-passes P] [--batch S]

Like the application after a restart: the officer logs in offline (the verifier stored at the
enrolment's online login), the transport holds no access token, so the first request refreshes
the session with the token in the keyring (a :class:`tests.sync_processes.FileKeyring`, which
survives the process). Then: one pass (codes first), then blocks of ``K`` receipts each followed
by a pass, until this counter holds ``N`` dossiers of its own, then passes until one succeeds
with an empty outbox. The count is read from the database, so a restarted driver records only
the receipts that are missing, and a receipt is one transaction: a kill keeps it whole or not
at all. Dossier ``i`` of the counter has the personal ID ``022090{B+i:06d}``. ``--batch``: push
batches and pull pages of ``S`` events instead of 500 (test scale: a few hundred receipts make
several of each).

With ``MOTCUA_SYNC_CRASH_AT=<point>`` the process kills itself there (app.sync.crashpoint).
Prints ``ready`` once logged in, one line per pass, ``done`` at the end. Exit 0: done;
3: no clean pass within ``P`` passes.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select

DAY = date(2026, 11, 23)  # a Monday (tests/conftest.py NOW)
RECEIVED_AT = datetime(2026, 11, 23, 9, 15)
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Giang")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sync_crash_driver")
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--keyring", type=Path, required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--receipts", type=int, required=True)
    parser.add_argument("--per-pass", type=int, default=10)
    parser.add_argument("--pid-base", type=int, default=0)
    parser.add_argument("--max-passes", type=int, default=20)
    parser.add_argument("--batch", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="driver %(levelname)s %(name)s: %(message)s")

    import keyring

    from app.domain.catalog import load_catalog
    from app.services.applicant import ApplicantDraft
    from app.services.auth import attempt_login
    from app.services.drafts import ReceptionDraft, checklist
    from app.services.office import load_calendar
    from app.services.reception import receive_dossier
    from app.store.db import open_database, session_factory, transaction
    from app.store.models import Dossier, Outbox
    from app.sync import wire
    from app.sync.boot import read_enrolment
    from app.sync.client import SyncClient
    from app.sync.engine import SyncEngine, SyncReport
    from app.sync.offline import offline_login
    from app.sync.state import utc_now
    from tests.sync_processes import PASSWORD, FileKeyring

    keyring.set_keyring(FileKeyring(args.keyring))
    if args.batch:
        wire.MAX_PUSH_BATCH = args.batch  # read by the engine at each batch and page
    path = args.folder / "motcua.db"
    enrolment = read_enrolment(path)
    if enrolment is None:
        print(f"{path} is not an enrolled counter", file=sys.stderr)
        return 2
    factory = session_factory(open_database(path))
    device_id = enrolment.device_id
    actor = attempt_login(factory, lambda s: offline_login(s, args.username, PASSWORD, device_id, utc_now()))
    client = SyncClient.open(args.folder, enrolment)
    engine: SyncEngine = client.engine(factory, local_today=lambda: DAY)
    catalog = load_catalog()
    procedure = catalog.get("2.000635")
    assert procedure is not None
    documents = tuple(dataclasses.replace(d, submitted=True) for d in checklist(procedure))
    print("ready", flush=True)

    def sync_pass() -> SyncReport:
        started = time.perf_counter()
        report = engine.run_once(force=True)
        r, took = report, time.perf_counter() - started
        counts = f"pushed={r.pushed} accepted={r.accepted} duplicate={r.duplicate} pulled={r.pulled}"
        print(f"pass {took:.2f}s ok={r.ok} {counts} applied={r.applied} reserved={r.reserved} error={r.error!r}",
              flush=True)  # fmt: skip
        return report

    def own_dossiers() -> int:
        with factory() as s:
            return int(s.scalar(select(func.count()).select_from(Dossier).where(Dossier.device_id == device_id)) or 0)

    def receive(i: int) -> None:
        pid = f"022090{args.pid_base + i:06d}"  # 022 province, 0 male born 19xx, 90 the year
        applicant = ApplicantDraft(full_name=NAMES[i % len(NAMES)], personal_id=pid, birth_date=date(1990, 1, 1),
                                   sex="Nam", address="Phường Hồng Gai, Quảng Ninh", phone="0912345678",
                                   email="")  # fmt: skip
        draft = ReceptionDraft(procedure_code=procedure.code, applicant=applicant, documents=documents)
        with transaction(factory) as s:
            receive_dossier(s, actor, catalog, load_calendar(s), draft, RECEIVED_AT)

    sync_pass()
    while (done := own_dossiers()) < args.receipts:
        for i in range(done, min(done + args.per_pass, args.receipts)):
            receive(i)
        sync_pass()
    for _ in range(args.max_passes):
        report = sync_pass()
        with factory() as s:
            outbox = int(s.scalar(select(func.count()).select_from(Outbox)) or 0)
        if report.ok and outbox == 0:
            print("done", flush=True)
            client.close()
            return 0
    return 3


if __name__ == "__main__":
    raise SystemExit(main())
