"""Composition root: builds store, catalog, runner, bus and windows, and runs the app."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.calendar import WorkingCalendar
from app.domain.catalog import Catalog, load_catalog
from app.services.auth import login
from app.services.context import Actor, Role
from app.services.office import OfficeInfo, load_calendar, this_device
from app.services.seed import needs_setup, seed_demo
from app.store.db import open_database, session_factory, transaction
from app.store.models import Officer

log = logging.getLogger("motcua")


@dataclass
class Store:
    """What is opened once per process."""

    factory: sessionmaker[Session]
    catalog: Catalog
    calendar: WorkingCalendar
    office: OfficeInfo


def open_store(data_dir: Path) -> Store:
    """Open the local database (first run: seed the demo office) and load catalog and calendar."""
    engine = open_database(data_dir / "motcua.db")
    factory = session_factory(engine)
    catalog = load_catalog()
    with transaction(factory) as session:
        if needs_setup(session):
            seed_demo(session, catalog)
            log.info("first run: demo office seeded in %s", data_dir)
        office = this_device(session)
        calendar = load_calendar(session)
    assert office is not None
    return Store(factory, catalog, calendar, office)


def setup_logging(data_dir: Path) -> None:
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        logs / "motcua.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def run(data_dir: Path, *, smoke_test: bool = False) -> int:
    """Start the GUI. ``smoke_test``: build the main window offscreen and exit 0."""
    import os

    if smoke_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

    from ui.changes import ChangeBus
    from ui.context import UiContext
    from ui.main_window import MainWindow
    from ui.ops import OpRunner
    from ui.prompts import Prompts
    from ui.screens.login import LoginDialog
    from ui.theme import apply_theme

    setup_logging(data_dir)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("MotCua Desk")
    app.setOrganizationName("MotCua")
    apply_theme(app)

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
        QMessageBox.critical(
            None,
            "Lỗi ngoài dự kiến",
            "Chương trình gặp lỗi ngoài dự kiến. Thông tin đang nhập vẫn còn trên màn hình;"
            f" hãy thử lại. Chi tiết đã ghi vào {data_dir / 'logs' / 'motcua.log'}.\n\n{exc}",
        )

    sys.excepthook = excepthook
    store = open_store(data_dir)
    runner = OpRunner(store.factory)
    runner.unexpected_error.connect(lambda e: excepthook(type(e), e, e.__traceback__))
    bus = ChangeBus()
    prompts = Prompts()
    windows: list[MainWindow] = []

    def authenticate(username: str, password: str) -> Actor:
        with transaction(store.factory) as session:
            return login(session, username, password, store.office.device_id, datetime.now())

    def start(actor: Actor) -> MainWindow:
        ctx = UiContext(store.factory, runner, bus, store.catalog, store.calendar, store.office, actor, prompts)
        window = MainWindow(ctx)
        window.resize(1366, 740)
        window.logout_requested.connect(lambda: logout(window))
        windows.append(window)
        window.show()
        return window

    def ask_login() -> None:
        dialog = LoginDialog(store.office, authenticate)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.actor is not None:
            start(dialog.actor)
        else:
            app.quit()

    def logout(window: MainWindow) -> None:
        window.close()
        windows.remove(window)
        window.deleteLater()
        QTimer.singleShot(0, ask_login)

    if smoke_test:
        window = start(_first_officer(store))
        app.processEvents()
        ok = window.isVisible() and window.reception.picker.results.count() > 0
        runner.wait()
        print(
            f"smoke test: main window built ({window.width()}x{window.height()}), "
            f"{len(store.catalog.procedures)} procedures – {'OK' if ok else 'FAILED'}"
        )
        return 0 if ok else 1
    app.setQuitOnLastWindowClosed(False)
    QTimer.singleShot(0, ask_login)
    app.lastWindowClosed.connect(lambda: None if not windows else app.quit())
    code = app.exec()
    runner.wait()
    return int(code)


def _first_officer(store: Store) -> Actor:
    """Smoke test only: act as the first officer without a password."""
    with store.factory() as session:
        officer = session.scalars(select(Officer).order_by(Officer.username)).first()
    assert officer is not None
    return Actor(
        officer.id,
        officer.username,
        officer.full_name,
        Role(officer.role),
        store.office.device_id,
        store.office.counter_name,
        store.office.unit_code,
        store.office.name,
    )
