"""Sổ theo dõi hồ sơ: two enrolled PCs of one unit never print the same (Quyển số, Số thứ tự), offline too."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.catalog import Catalog
from app.services.forms import build_slip, render
from app.store.models import Dossier, SyncState
from tests.conftest import NOW
from tests.pdf_tools import pdf_text
from tests.sync_support import Counter, FakeServer, MemoryKeyring, keyring_backend


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[None]:
    with keyring_backend(MemoryKeyring()):
        yield


def enrolled(server: FakeServer, tmp_path: Path, template_db: Path, name: str) -> Counter:
    return Counter.enrol(tmp_path / name, template_db, server.new_enrol_code(), name, http=server.transport())


def register_of(c: Counter, uid: str) -> tuple[str, int]:
    with c.factory() as s:
        d = s.scalars(select(Dossier).where(Dossier.uid == uid)).one()
        assert d.register_no is not None
        return d.data["register_book"], d.register_no


def slot(c: Counter) -> int:
    with c.factory() as s:
        state = s.get(SyncState, 1)
        assert state is not None and state.device_slot is not None
        return state.device_slot


def printed(c: Counter, uid: str) -> str:
    with c.factory() as s:
        kind, slip = build_slip(s, uid)
    out = io.BytesIO()
    render(kind, slip, out)
    return pdf_text(out.getvalue())[0]


def test_two_enrolled_pcs_keep_books_of_their_own(tmp_path: Path, template_db: Path, catalog: Catalog) -> None:
    server = FakeServer()
    a, b = enrolled(server, tmp_path, template_db, "Quầy số 01"), enrolled(server, tmp_path, template_db, "Quầy số 02")
    server.offline = True  # no network at all: the books still differ
    got_a = [register_of(a, a.receive(catalog, "Nguyễn Văn An", f"02209000{n:04d}").uid) for n in range(3)]
    got_b = [register_of(b, b.receive(catalog, "Trần Thị Bình", f"02219000{n:04d}").uid) for n in range(2)]
    year = NOW.year
    slot_a, slot_b = slot(a), slot(b)
    assert slot_a != slot_b
    assert got_a == [(f"{slot_a + 1:02d}/{year}", n) for n in (1, 2, 3)]
    assert got_b == [(f"{slot_b + 1:02d}/{year}", n) for n in (1, 2)]
    assert not set(got_a) & set(got_b)
    text = printed(b, b.receive(catalog, "Lê Văn Cường", "022090009999").uid)
    assert f"Quyển số: {slot_b + 1:02d}/{year}" in text and "Số thứ tự: 3" in text


def test_a_standalone_pc_keeps_the_yearly_book(factory: Any, actor: Any, catalog: Catalog) -> None:
    c = Counter(Path(), factory, None, actor, [])
    first = register_of(c, c.receive(catalog).uid)
    second = register_of(c, c.receive(catalog, "Trần Thị Bình", "022190005678").uid)
    assert (first, second) == ((f"{NOW.year}", 1), (f"{NOW.year}", 2))


def test_a_pc_restored_from_an_old_backup_goes_on_after_the_numbers_it_printed(
    tmp_path: Path, template_db: Path, catalog: Catalog
) -> None:
    server = FakeServer()
    a = enrolled(server, tmp_path, template_db, "Quầy số 01")
    assert a.engine().run_once().ok
    backup = tmp_path / "backup.db"
    with sqlite3.connect(a.folder / "motcua.db") as src, sqlite3.connect(backup) as dst:
        src.backup(dst)  # the PC's last backup
    numbers = [register_of(a, a.receive(catalog, "Nguyễn Văn An", f"02209000{n:04d}").uid)[1] for n in range(3)]
    assert a.engine().run_once().accepted == 3
    a.close()
    with sqlite3.connect(backup) as src, sqlite3.connect(a.folder / "motcua.db") as dst:
        src.backup(dst)  # disk replaced, last backup restored
    restored = a.restart(http=server.transport())
    report = restored.engine().run_once()
    assert report.ok and report.applied == 3  # its own three receipts come back from the server
    book, number = register_of(restored, restored.receive(catalog, "Trần Thị Bình", "022190005678").uid)
    assert (book, number) == (f"{slot(restored) + 1:02d}/{NOW.year}", max(numbers) + 1) == (book, 4)
