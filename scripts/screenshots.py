"""Render the main screens offscreen with demo data into docs/img/ (for the README and review)."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from app.services.context import Actor, Role
from app.store.boot import first_officer
from ui.changes import ChangeBus
from ui.context import UiContext
from ui.main import DB_NAME, open_store
from ui.main_window import MainWindow
from ui.ops import OpRunner
from ui.prompts import Prompts
from ui.theme import apply_theme

QR = "022190001234|100123456|Nguyễn Thị Thuỳ Dương|15081990|Nữ|Tổ 5, khu 3, Phường Hồng Gai, Tỉnh Quảng Ninh|01022021"


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv)
    apply_theme(app)
    data_dir = Path(tempfile.mkdtemp())
    store = open_store(data_dir)
    row = first_officer(data_dir / DB_NAME)
    assert row is not None
    o = store.office
    actor = Actor(row[0], row[1], row[2], Role(row[3]), o.device_id, o.counter_name, o.unit_code, o.name)
    runner = OpRunner(store.factory)
    ctx = UiContext(store.factory, runner, ChangeBus(), store.catalog, store.calendar, store.office,
                    actor, Prompts(), clock=lambda: datetime(2026, 11, 23, 9, 15))  # fmt: skip
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
    window.grab().save(str(out_dir / "reception.png"))
    r.applicant.personal_id.setText("022290001234")
    r.applicant.email.setText("sai@")
    r._on_receive_clicked()
    app.processEvents()
    window.grab().save(str(out_dir / "reception-errors.png"))
    runner.wait()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "out"))
