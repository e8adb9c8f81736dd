"""A counter process SIGKILLed in the middle of uploading a multi-chunk attachment, restarted:
the upload goes on from the server's offset, the server's file verifies, nothing lost or doubled.

The server is ``python -m server.cli`` (embedded SQLite) as a child process; the counter is this
module run as a program (``python -m tests.test_sync_attachment_crash --folder …``): it logs in
offline like the application after a restart, records a receipt with one attached PDF of
~3.3 MB (once; a restarted run finds it), and runs sync passes until the outbox and the upload
queue are empty. ``MOTCUA_SYNC_CRASH_AT=after_chunk_sent`` kills it with SIGKILL right after the
server acknowledged a chunk and before the counter noted the new offset — the worst moment: its
own record of the offset is behind the server's.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PID = "022090777001"
SIZE = 3_300_000  # four chunks of 1 MiB
DRIVER_TIMEOUT_S = 120.0


def _pdf(seed: int) -> bytes:
    import io
    import random

    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.Root.Padding = pikepdf.Stream(pdf, random.Random(seed).randbytes(SIZE))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, static_id=True)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """The counter program (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="attachment_crash_driver")
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--keyring", type=Path, required=True)
    parser.add_argument("--username", required=True)
    args = parser.parse_args(argv)

    import dataclasses
    from datetime import date, datetime

    import keyring
    from sqlalchemy import func, select

    from app.domain.catalog import load_catalog
    from app.scanning.blobs import BlobStore
    from app.services.applicant import ApplicantDraft
    from app.services.attachments import attach_documents
    from app.services.auth import attempt_login
    from app.services.drafts import ReceptionDraft, checklist
    from app.services.office import load_calendar
    from app.services.reception import receive_dossier
    from app.store.db import open_database, session_factory, transaction
    from app.store.models import Attachment, Outbox
    from app.sync.attachments import pending_uploads
    from app.sync.boot import read_enrolment
    from app.sync.client import SyncClient
    from app.sync.offline import offline_login
    from app.sync.state import utc_now
    from tests.sync_processes import PASSWORD, FileKeyring

    keyring.set_keyring(FileKeyring(args.keyring))
    path = args.folder / "motcua.db"
    enrolment = read_enrolment(path)
    assert enrolment is not None
    factory = session_factory(open_database(path))
    device_id = enrolment.device_id
    actor = attempt_login(factory, lambda s: offline_login(s, args.username, PASSWORD, device_id, utc_now()))
    client = SyncClient.open(args.folder, enrolment)
    engine = client.engine(factory, local_today=lambda: date(2026, 11, 23))
    blobs = BlobStore(args.folder / "attachments")
    with factory() as s:
        attached = int(s.scalar(select(func.count()).select_from(Attachment)) or 0)
    if not attached:
        catalog = load_catalog()
        procedure = catalog.get("2.000635")
        assert procedure is not None
        docs = tuple(dataclasses.replace(d, submitted=True) for d in checklist(procedure))
        applicant = ApplicantDraft(full_name="Nguyễn Văn An", personal_id=PID, birth_date=date(1990, 1, 1), sex="Nam",
                                   address="Phường Hồng Gai, Quảng Ninh", phone="0912345678", email="")  # fmt: skip
        at = datetime(2026, 11, 23, 9, 15)
        with transaction(factory) as s:
            draft = ReceptionDraft(procedure_code=procedure.code, applicant=applicant, documents=docs)
            summary, _ = receive_dossier(s, actor, catalog, load_calendar(s), draft, at)

        @dataclasses.dataclass(frozen=True)
        class Doc:
            name: str
            requirement_index: int | None
            pdf: bytes
            pages: int

        with transaction(factory) as s:
            attach_documents(s, actor, blobs, summary.uid, [Doc("Tờ khai đăng ký khai sinh", 0, _pdf(7), 1)],
                             occurred_at=at)  # fmt: skip
    print("ready", flush=True)
    for _ in range(10):
        report = engine.run_once(force=True)
        print(f"pass ok={report.ok} pushed={report.pushed} uploaded={report.uploaded} error={report.error!r}",
              flush=True)  # fmt: skip
        with factory() as s:
            outbox = int(s.scalar(select(func.count()).select_from(Outbox)) or 0)
            uploads = pending_uploads(s)
        if report.ok and outbox == 0 and uploads == 0:
            print("done", flush=True)
            client.close()
            return 0
    return 3


if __name__ == "__main__":
    raise SystemExit(main())


# --- the test -----------------------------------------------------------------------------------

import pytest  # noqa: E402

from tests.sync_processes import (  # noqa: E402
    ROOT,
    FileKeyring,
    ServerProcess,
    create_office,
    enrol_code,
    enrol_counter,
    server_engine,
    server_view,
    using_keyring,
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX SIGKILL")]
UNIT, USERNAME = "000.01.00.H49", "canbo1"


@dataclass
class Client:
    folder: Path
    keyring: Path

    def run(self, crash: str | None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "MOTCUA_SYNC_CRASH_AT"}
        if crash:
            env["MOTCUA_SYNC_CRASH_AT"] = crash
        cmd = [sys.executable, "-m", "tests.test_sync_attachment_crash", "--folder", str(self.folder),
               "--keyring", str(self.keyring), "--username", USERNAME]  # fmt: skip
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=DRIVER_TIMEOUT_S)
        expected = -signal.SIGKILL if crash else 0
        assert done.returncode == expected, f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-4000:]}"
        return done

    def upload_row(self) -> tuple[str, int, int, str]:
        conn = sqlite3.connect(self.folder / "motcua.db")
        try:
            row = conn.execute('SELECT sha256, size, "offset", state FROM blob_upload').fetchone()
            events = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        finally:
            conn.close()
        assert row is not None
        return str(row[0]), int(row[1]), int(row[2]), f"{row[3]}/{events}"


def test_a_counter_killed_mid_upload_finishes_from_the_servers_offset(tmp_path: Path, template_db: Path) -> None:
    server = ServerProcess(tmp_path / "server")
    engine = server_engine(server.resolved_url)
    server.start()
    try:
        create_office(engine, UNIT, USERNAME)
        keyring_file = tmp_path / "keyring.json"
        with using_keyring(FileKeyring(keyring_file)):
            device_id = enrol_counter(tmp_path / "a", template_db, enrol_code(engine, UNIT), "Quầy số 01",
                                      server.url, USERNAME)  # fmt: skip
        client = Client(tmp_path / "a", keyring_file)
        part_root = server.data_dir / "attachments" / f"u-{UNIT}"

        # 1. Killed after the server took the first chunk: the counter still notes offset 0.
        client.run("after_chunk_sent")
        sha, size, offset, states = client.upload_row()
        part = part_root / sha[:2] / f"{sha}.part"
        assert (offset, states) == (0, "pending/0") and size > 3 * 1024 * 1024  # the events went up first
        assert part.stat().st_size == 1024 * 1024

        # 2. Restarted: it asks the server, sends the second chunk from there, and is killed again.
        client.run("after_chunk_sent")
        _sha, _size, offset, states = client.upload_row()
        # it noted the server's offset it resumed from, not the chunk acknowledged just before the kill
        assert offset == 1024 * 1024 and states == "pending/0"
        assert part.stat().st_size == 2 * 1024 * 1024  # nothing sent twice, nothing skipped

        # 3. Restarted without a kill: finishes and the server's hash check passes.
        out = client.run(None).stdout
        assert "done" in out
        _sha, _size, offset, states = client.upload_row()
        assert (offset, states) == (size, "done/0")
        final = part_root / sha[:2] / sha
        assert not part.exists() and final.stat().st_size == size
        assert hashlib.sha256(final.read_bytes()).hexdigest() == sha
        view = server_view(engine, UNIT)
        assert len(view.event_ids) == len(set(view.event_ids)) == 2  # the receipt and the attachment, once
        assert view.ids_of(device_id) == set(view.event_ids) and view.rejected == 0
    finally:
        server.stop()
        engine.dispose()
