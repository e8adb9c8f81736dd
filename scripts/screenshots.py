"""Render the main screens offscreen with demo data into docs/img/ (for the README and review).

Run from the project root: ``QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py docs/img``
(offscreen is the default). A fresh demo office in a temporary folder, filled with the demo history
(``motcua populate``'s simulation, 400 dossiers over 40 working days up to 23/11/2026), gives the
reception screen (a citizen read from an ID card QR, the applicant kind row), its field messages,
form 01 on A5, the dossier list and detail, and a supervisor's indicators and Biểu II.06a. Every
PNG is written as a palette image (Pillow) to keep the repository small.
"""

from __future__ import annotations

import io
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from app.services.context import Actor, Role
from app.services.demo_populate import populate
from app.store.boot import first_officer
from ui.changes import ChangeBus
from ui.context import UiContext
from ui.main import DB_NAME, Store, open_store
from ui.main_window import MainWindow
from ui.ops import OpRunner
from ui.prompts import Prompts
from ui.theme import apply_theme

QR = "022190001234|100123456|Nguyễn Thị Thuỳ Dương|15081990|Nữ|Tổ 5, khu 3, Phường Hồng Gai, Tỉnh Quảng Ninh|01022021"


NOW = datetime(2026, 11, 23, 9, 15)
MAX_COLOURS = 256


def save_png(image: QImage | Image.Image, path: Path) -> None:
    """Write ``image`` as an optimised palette PNG (screens have few colours: a third of the size)."""
    if isinstance(image, QImage):
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        image = Image.open(io.BytesIO(bytes(buffer.data())))
    image.convert("RGB").quantize(MAX_COLOURS, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"{path}: {path.stat().st_size // 1024} KiB")


def grab(widget: QWidget, path: Path) -> None:
    save_png(widget.grab().toImage(), path)


def wait_until(app: QApplication, done: Callable[[], bool], timeout: float = 30.0) -> None:
    """Let the op runner's results arrive (a script has no qtbot)."""
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the screen did not finish loading")
        app.processEvents()
        time.sleep(0.02)
    app.processEvents()


def actor_named(data_dir: Path, store: Store, username: str | None = None) -> Actor:
    """The demo officer ``username`` (the first one when None) as the session's actor."""
    if username is None:
        row = first_officer(data_dir / DB_NAME)
    else:
        with sqlite3.connect(data_dir / DB_NAME) as conn:
            row = conn.execute("SELECT id, username, full_name, role FROM officer WHERE username = ?",
                               (username,)).fetchone()  # fmt: skip
    assert row is not None, username
    o = store.office
    return Actor(str(row[0]), row[1], row[2], Role(row[3]), o.device_id, o.counter_name, o.unit_code, o.name)


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv)
    apply_theme(app)
    data_dir = Path(tempfile.mkdtemp())
    store = open_store(data_dir)
    populate(store.factory, store.catalog, dossiers=400, days=40, seed=7, until=datetime(2026, 11, 23, 8, 0))
    actor = actor_named(data_dir, store)
    runner = OpRunner(store.factory)
    ctx = UiContext(store.factory, runner, ChangeBus(), store.catalog, store.calendar, store.office,
                    actor, Prompts(), clock=lambda: NOW)  # fmt: skip
    window = MainWindow(ctx)
    window.resize(1366, 740)
    window.show()
    r = window.reception
    r.picker.search.setText("cap ban sao trich luc")
    app.processEvents()
    r.picker._on_results_item_activated(r.picker.results.item(0))
    r.picker.checklist.item(0).setCheckState(r.picker.checklist.item(0).checkState().Checked)
    r.applicant.fill_from_qr(QR)
    r.applicant.phone.setText("0912 345 678")
    app.processEvents()
    grab(window, out_dir / "reception.png")
    r.applicant.personal_id.setText("022290001234")
    r.applicant.email.setText("sai@")
    r._on_receive_clicked()
    app.processEvents()
    grab(window, out_dir / "reception-errors.png")
    form01(store, out_dir / "slip-form01.png")
    dossiers(app, ctx, window, out_dir)
    runner.wait()
    supervisor = UiContext(store.factory, runner, ChangeBus(), store.catalog, store.calendar, store.office,
                           actor_named(data_dir, store, "giamsat"), Prompts(), clock=lambda: NOW)  # fmt: skip
    supervision(app, supervisor, out_dir)
    runner.wait()


def form01(store: Store, path: Path) -> None:
    """Form 01 of the latest receipt, as it prints on A5."""
    from sqlalchemy import select

    from app.printing.raster import rasterise
    from app.services.forms import FormKind, build_slip, render
    from app.store.models import Dossier

    with store.factory() as session:
        uid = session.scalars(
            select(Dossier.uid).where(Dossier.code.is_not(None)).order_by(Dossier.received_at.desc()).limit(1)
        ).one()
        kind, slip = build_slip(session, uid)
    assert kind is FormKind.RECEIPT
    out = io.BytesIO()
    render(kind, slip, out)
    page = rasterise(out.getvalue(), 100)[0]
    save_png(Image.frombytes("RGB", (page.width, page.height), page.rgb), path)


def dossiers(app: QApplication, ctx: UiContext, window: MainWindow, out_dir: Path) -> None:
    """F6, the list of the demo history, and the detail of a dossier with a long history."""
    from ui.screens.dossier_detail import DossierDetailDialog

    window.show_dossiers()
    screen = window.dossiers
    wait_until(app, lambda: screen.model.rowCount() > 20)
    grab(window, out_dir / "dossier-list.png")
    with ctx.factory() as session:
        from sqlalchemy import func, select

        from app.store.models import Dossier, Event

        uid = session.scalars(
            select(Event.dossier_uid).join(Dossier, Dossier.uid == Event.dossier_uid)
            .group_by(Event.dossier_uid).order_by(func.count().desc()).limit(1)
        ).one()  # fmt: skip
    dialog = DossierDetailDialog(ctx, uid, window)
    dialog.resize(1366, 740)  # laid out for 1366×768 (issue 15 item 5)
    dialog.show()
    wait_until(app, lambda: dialog.detail is not None)
    grab(dialog, out_dir / "dossier-detail.png")
    dialog.close()


def supervision(app: QApplication, ctx: UiContext, out_dir: Path) -> None:
    """A supervisor's indicators for this month, and Biểu II.06a of the register dialog."""
    from ui.screens.indicators import IndicatorsView
    from ui.screens.register import RegisterDialog

    view = IndicatorsView(ctx)
    view.resize(1366, 740)
    view.show()
    wait_until(app, lambda: view.loaded)
    grab(view, out_dir / "indicators.png")
    view.close()
    dialog = RegisterDialog(ctx)
    dialog.resize(1366, 740)
    dialog.show()
    dialog.tabs.setCurrentIndex(1)
    panel = dialog.period_panel
    panel.load()
    wait_until(app, lambda: panel.document is not None)
    grab(dialog, out_dir / "register-ii06a.png")
    dialog.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "out"))
