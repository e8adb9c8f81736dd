"""Composition root: opens the store, builds runner, bus and windows, and runs the app.

Start-up order (measured by bench/bench_startup.py). The first window needs only the office, the
counter, the catalog and the working calendar. When the database is already set up and current,
those are read with the standard ``sqlite3`` module (:mod:`app.store.boot`), so the window
appears without waiting for SQLAlchemy, the mapped models and the services (the larger part of
start-up). The full store opens on a background thread (:class:`StoreLoader`) right after the
first window is painted. Database work asked for before it is ready waits in the worker
threads, never on the GUI thread; only the login button waits on the GUI thread, and by the
time a password is typed the store is open. On the first run, or when the schema needs a
migration, the store is opened in the ordinary way before any window shows.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from app.domain.calendar import WorkingCalendar
from app.domain.catalog import Catalog, load_catalog
from app.domain.office import OfficeInfo
from app.services.context import Actor, Role
from app.store.boot import current_catalog, first_officer, read_snapshot
from app.sync.boot import Enrolment, read_enrolment

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QApplication
    from sqlalchemy.orm import Session, sessionmaker

    from app.store.processing_refresh import BatchDone
    from app.sync.client import SyncClient
    from ui.main_window import MainWindow
    from ui.ops import OpRunner
    from ui.scanner.inputs import ScannerInputs
    from ui.sync_runner import SyncRunner

log = logging.getLogger("motcua")

DB_NAME = "motcua.db"
WARM_MODULES = ("app.services.auth", "app.services.reception", "app.services.dossiers", "app.services.outbox")
SYNC_MODULES = ("app.sync.client", "app.sync.state")  # an enrolled PC logs in through these


@dataclass
class Store:
    """What is opened once per process (the ordinary, synchronous way)."""

    factory: sessionmaker[Session]
    catalog: Catalog
    calendar: WorkingCalendar
    office: OfficeInfo


def open_store(data_dir: Path, catalog: Catalog | None = None) -> Store:
    """Open the local database (first run: seed the demo office) and load catalog and calendar."""
    from app.services.office import load_calendar, this_device
    from app.services.seed import needs_setup, seed_demo
    from app.store.db import open_database, session_factory, transaction

    engine = open_database(data_dir / DB_NAME)
    factory = session_factory(engine)
    catalog = catalog or load_catalog()
    with transaction(factory) as session:
        if needs_setup(session):
            seed_demo(session, catalog)
            log.info("first run: demo office seeded in %s", data_dir)
        office = this_device(session)
        calendar = load_calendar(session)
    assert office is not None
    return Store(factory, catalog, calendar, office)


START_WAIT_SECONDS = 2.0  # how long a worker waits for the composition root's start() (first paint)


class StoreLoader:
    """Opens the SQLAlchemy store on a background thread; calling it returns a new session.

    :meth:`factory` and ``__call__`` block until the store is open (or re-raise why it could not
    be opened). They are meant for worker threads; on the GUI thread only after user input.

    The composition root calls :meth:`start` once the first window is painted. Database work
    queued while that window is being built (a screen asking for a count, say) waits for that
    start rather than starting the load itself: importing SQLAlchemy on another thread while
    the window is built shares the interpreter with it and slowed the first paint (measured:
    bench/RESULTS.md). If nothing starts the load within :data:`START_WAIT_SECONDS`, the first
    caller starts it.
    """

    def __init__(self, path: Path, warm: tuple[str, ...] = WARM_MODULES) -> None:
        """Args: path: the SQLite file; nothing is opened until :meth:`start`. warm: modules to
        import on the loader thread while the officer types (the first actions need them)."""
        self._path = path
        self._warm = warm
        self._done = threading.Event()
        self._started = threading.Event()
        self._start_lock = threading.Lock()
        self._factory: sessionmaker[Session] | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def opened(cls, factory: sessionmaker[Session]) -> StoreLoader:
        """A loader for a store that is open already."""
        loader = cls(Path())
        loader._factory = factory
        loader._started.set()
        loader._done.set()
        return loader

    def start(self) -> None:
        """Start opening the store in the background (once; later calls do nothing)."""
        self._started.set()
        with self._start_lock:
            if self._thread is None and not self._done.is_set():
                self._thread = threading.Thread(target=self._load, name="store-loader", daemon=True)
                self._thread.start()

    def _load(self) -> None:
        try:
            from app.store.db import open_database, session_factory

            factory = session_factory(open_database(self._path))
            # Import what the first actions use while the officer is still typing.
            for module in self._warm:
                importlib.import_module(module)
        except BaseException as exc:
            log.exception("the local database could not be opened")
            self._error = exc
        else:
            self._factory = factory
        finally:
            self._done.set()

    @property
    def ready(self) -> bool:
        """Whether the store finished opening (successfully or not)."""
        return self._done.is_set()

    def factory(self) -> sessionmaker[Session]:
        """The session factory, waiting until the store is open.

        Raises:
            UserFacingError: the database could not be opened (e.g. a damaged file).
        """
        if not self._done.is_set():
            self._started.wait(START_WAIT_SECONDS)
            self.start()
            self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._factory is not None
        return self._factory

    def __call__(self) -> Session:
        """A new session (waits until the store is open)."""
        return self.factory()()


REFRESH_BATCH = 2_000  # dossiers per write job: a few tenths of a second, the officer's writes go between


def refresh_processing_in_background(runner: OpRunner, batch: int = REFRESH_BATCH) -> None:
    """After a calendar change (``motcua calendar``, a sync pull, a newer ``holidays`` package): the stored
    processing times worked out again on the current calendar (app.store.processing_refresh), so that the
    reports stop working them out on every run. A read job checks first (nothing written when nothing is
    stale); then a write job per batch, the next queued when one ends. A failure is logged and the rest
    waits for the next start: the reports are right meanwhile, only slower."""

    def failed(exc: BaseException) -> None:
        log.warning("processing times not refreshed: %r", exc)

    def stale(session: Session) -> bool:
        from app.services.office import load_calendar
        from app.store.processing_refresh import has_stale_processing

        return has_stale_processing(session, load_calendar(session))

    def step(after: str) -> None:
        def work(session: Session) -> BatchDone:
            from app.services.office import load_calendar
            from app.store.processing_refresh import refresh_batch

            return refresh_batch(session, load_calendar(session), batch=batch, after=after)

        runner.run(work, lambda done: None if done.finished else step(done.after), failed, write=True)

    runner.run(stale, lambda found: step("") if found else None, failed, write=False)


def refresh_statistics_in_background(runner: OpRunner) -> None:
    """The dossier table's planner statistics made (again) when missing or outgrown (app.store.statistics): a
    read job checks, a write job analyses (1–2 s on a million dossiers; the officer's writes queue behind it
    once). A failure is logged: the queries are right without statistics, only some slower."""

    def failed(exc: BaseException) -> None:
        log.warning("planner statistics not made: %r", exc)

    def stale(session: Session) -> bool:
        from app.store.statistics import statistics_stale

        return statistics_stale(session)

    def analyse(session: Session) -> None:
        from app.store.statistics import analyse as run

        run(session)

    runner.run(stale, lambda found: runner.run(analyse, lambda _: None, failed, write=True) if found else None,
               failed, write=False)  # fmt: skip


LOG_MAX_BYTES = 2_000_000
LOG_BACKUPS = 5


def rotate_log(path: Path, max_bytes: int = LOG_MAX_BYTES, backups: int = LOG_BACKUPS) -> None:
    """At start-up, move a log larger than ``max_bytes`` to ``.1`` (``.1`` to ``.2``, …).

    A counter PC writes far less than ``max_bytes`` in a working day, so rotating once per
    start keeps the folder bounded without logging.handlers (whose imports cost start-up time).
    """
    try:
        if path.stat().st_size <= max_bytes:
            return
    except FileNotFoundError:
        return
    for n in range(backups - 1, 0, -1):
        older = path.with_name(f"{path.name}.{n}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{n + 1}"))
    path.replace(path.with_name(f"{path.name}.1"))


def setup_logging(data_dir: Path) -> None:
    """Log to ``<data dir>/logs/motcua.log`` (rotated at start, :func:`rotate_log`)."""
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / "motcua.log"
    rotate_log(path)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def run(data_dir: Path, *, smoke_test: bool = False) -> int:
    """Start the GUI. ``smoke_test``: build the main window offscreen, check the store, exit 0."""
    import os

    if smoke_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

    from ui.changes import ChangeBus
    from ui.context import UiContext
    from ui.i18n import install_vietnamese
    from ui.main_window import MainWindow
    from ui.ops import OpRunner
    from ui.prompts import Prompts
    from ui.screens.login import LoginDialog
    from ui.theme import STYLE_ARGS, apply_theme

    setup_logging(data_dir)
    existing = QApplication.instance()
    app = existing or QApplication([*sys.argv, *STYLE_ARGS])
    assert isinstance(app, QApplication)
    install_vietnamese(app)  # Qt's own dialogs (Yes/No, files, printing) in Vietnamese, before any widget
    app.setApplicationName("MotCua Desk")
    app.setOrganizationName("MotCua")
    apply_theme(app, style_set=existing is None)

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
        QMessageBox.critical(
            None,
            "Lỗi ngoài dự kiến",
            "Chương trình gặp lỗi ngoài dự kiến. Thông tin đang nhập vẫn còn trên màn hình;"
            f" hãy thử lại. Chi tiết đã ghi vào {data_dir / 'logs' / 'motcua.log'}.\n\n{exc}",
        )

    sys.excepthook = excepthook
    db_path = data_dir / DB_NAME
    catalog = current_catalog(db_path)  # the server's cached catalog on an enrolled PC, else the bundled one
    snapshot = read_snapshot(db_path)
    enrolment: Enrolment | None = read_enrolment(db_path)
    if snapshot is None:  # first run or a schema to migrate: the ordinary way, before any window
        store = open_store(data_dir, catalog)
        loader = StoreLoader.opened(store.factory)
        office, calendar = store.office, store.calendar
        enrolment = read_enrolment(db_path)
    else:
        loader = StoreLoader(db_path, WARM_MODULES + (SYNC_MODULES if enrolment else ()))
        office, calendar = snapshot.office, snapshot.calendar
    runner = OpRunner(loader)
    runner.unexpected_error.connect(lambda e: excepthook(type(e), e, e.__traceback__))
    bus = ChangeBus()
    prompts = Prompts()
    windows: list[MainWindow] = []
    syncs: dict[MainWindow, SyncRunner] = {}
    clients: list[SyncClient] = []  # the one network client of an enrolled PC, made at first login
    refreshing: list[bool] = []  # the stored processing times' refresh, started at the first log-in dialog
    scanner_inputs: list[ScannerInputs] = []  # the PC's barcode scanners, made with the first window

    def scanners() -> ScannerInputs:
        """The keyboard wedge (on the focused widget) and serial scanner, started once, kept across log-ins.

        They start listening once the event loop runs again, after the first window is built:
        the wedge's filter is Python, and the window's building and polishing events need not
        reach it (bench/bench_startup.py).
        """
        if not scanner_inputs:
            from ui.scanner.inputs import ScannerInputs
            from ui.scanner.settings import ScannerSettingsStore

            inputs = ScannerInputs(ScannerSettingsStore())
            QTimer.singleShot(0, lambda: inputs.start(app))
            scanner_inputs.append(inputs)
        return scanner_inputs[0]

    def sync_client() -> SyncClient:
        assert enrolment is not None
        if not clients:
            from app.sync.client import SyncClient

            clients.append(SyncClient.open(data_dir, enrolment))
        return clients[0]

    def authenticate(username: str, password: str) -> Actor:
        """Runs on the login dialog's worker thread (it may wait for the store and the network)."""
        factory = loader.factory()
        if enrolment is not None:
            actor, online = sync_client().login(factory, username, password)
            log.info("%s logged in %s", actor.username, "online" if online else "offline (server unreachable)")
            return actor
        from app.services.auth import attempt_login, login

        return attempt_login(factory, lambda s: login(s, username, password, office.device_id, datetime.now()))

    def enrol(server_url: str, code: str, counter_name: str) -> OfficeInfo:
        """Runs on a worker: Hệ thống → Đăng ký máy trạm (admin of a standalone PC)."""
        from app.sync.client import enrol_this_pc

        return enrol_this_pc(data_dir, loader.factory(), server_url, code, counter_name)

    def start(actor: Actor, *, with_sync: bool = True) -> MainWindow:
        nonlocal catalog
        catalog = current_catalog(db_path)  # a catalog the server sent since start-up is used from this login on
        from app.scanning.blobs import BlobStore

        # Attachment files beside the database (the sync engine uploads from the same folder).
        ctx = UiContext(loader, runner, bus, catalog, calendar, office, actor, prompts,
                        blobs=BlobStore(data_dir / "attachments"))  # fmt: skip
        sync: SyncRunner | None = None
        if enrolment is not None and with_sync:
            from ui.sync_runner import SyncRunner

            engine = sync_client().engine(loader, working_day=calendar.is_working_day)
            sync = SyncRunner(engine, loader)
            ctx.blob_transport = engine.transport  # Open fetches scans made at other counters
        can_enrol = enrolment is None and actor.role is Role.ADMIN
        window = MainWindow(ctx, sync, enrol if can_enrol else None, scanners())
        window.resize(1366, 740)
        window.logout_requested.connect(lambda: leave(window))
        window.enrolled.connect(lambda _office: reenter(window))
        windows.append(window)
        if sync is not None:
            syncs[window] = sync
            sync.start()
        window.show()
        return window

    def ask_login() -> None:
        note = ""
        if enrolment is not None:
            note = (
                f"Đăng nhập qua máy chủ {enrolment.server_url}. Khi mất kết nối, dùng mật khẩu của lần đăng nhập"
                " trực tuyến gần nhất trên máy này (trong thời hạn máy chủ cho phép)."
            )
        dialog = LoginDialog(office, authenticate, note=note)
        QTimer.singleShot(0, loader.start)  # after the dialog's first paint
        if not refreshing:  # once per start, after the store has begun to open
            refreshing.append(True)
            QTimer.singleShot(0, lambda: refresh_processing_in_background(runner))
            QTimer.singleShot(0, lambda: refresh_statistics_in_background(runner))
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.actor is not None:
            start(dialog.actor)
        else:
            app.quit()

    def stop_sync(window: MainWindow) -> None:
        sync = syncs.pop(window, None)
        if sync is not None:
            sync.stop()

    def leave(window: MainWindow) -> None:
        stop_sync(window)
        # Out of the list before closing: closing the last window quits only while it is listed.
        windows.remove(window)
        window.close()
        window.deleteLater()
        QTimer.singleShot(0, ask_login)

    def reenter(window: MainWindow) -> None:
        """After enrolment: this PC is now the server's device; log in again with its accounts."""
        nonlocal office, enrolment
        fresh = read_snapshot(db_path)
        if fresh is not None:
            office = fresh.office
        enrolment = read_enrolment(db_path)
        leave(window)

    if smoke_test:
        return _smoke_test(app, start, loader, runner, office, catalog, db_path)
    app.setQuitOnLastWindowClosed(False)
    QTimer.singleShot(0, ask_login)
    app.lastWindowClosed.connect(lambda: None if not windows else app.quit())
    code = app.exec()
    for window in list(syncs):
        stop_sync(window)
    for client in clients:
        client.close()
    for inputs in scanner_inputs:
        inputs.stop()
    runner.wait()
    return int(code)


def _smoke_test(
    app: QApplication,
    start: Callable[..., MainWindow],
    loader: StoreLoader,
    runner: OpRunner,
    office: OfficeInfo,
    catalog: Catalog,
    db_path: Path,
) -> int:
    """Build the main window as the first officer (no password), then check the store opens.

    Prints "smoke test: window ready" as soon as the window is shown, painted and lists the
    procedures (bench/bench_startup.py times that line), then waits for the background store and
    runs one query through the ordinary worker path.
    """
    row = first_officer(db_path)
    if row is None:
        print("smoke test: no officer in the database – FAILED")
        return 1
    officer_id, username, full_name, role = row
    actor = Actor(officer_id, username, full_name, Role(role), office.device_id, office.counter_name,
                  office.unit_code, office.name)  # fmt: skip
    window = start(actor, with_sync=False)
    app.processEvents()
    usable = window.isVisible() and window.reception.picker.results.count() > 0
    print("smoke test: window ready", flush=True)
    loader.start()
    outcome: list[object] = []
    from app.services.outbox import pending_count

    runner.run(pending_count, outcome.append, outcome.append, write=False)
    runner.wait()
    app.processEvents()
    store_ok = bool(outcome) and isinstance(outcome[0], int)
    from ui.i18n import qt_speaks_vietnamese  # the bundle must carry resources/i18n/qtbase_vi.qm

    vietnamese = qt_speaks_vietnamese()
    ok = usable and store_ok and vietnamese
    print(
        f"smoke test: main window built ({window.width()}x{window.height()}), "
        f"{len(catalog.procedures)} procedures, store {'open' if store_ok else f'FAILED: {outcome!r}'}, "
        f"hộp thoại Qt bằng tiếng Việt {'có' if vietnamese else 'KHÔNG CÓ (thiếu resources/i18n/qtbase_vi.qm)'}"
        f" – {'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1
