"""The top bar of both scan dialogs: profile, Quét, Nhập tệp…, Huỷ, progress; runs the page jobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.scanning.model import DeviceInfo, ScanProfile
from ui.context import UiContext
from ui.scanning.worker import (
    Analyse,
    ConfiguredDevices,
    DeviceCatalog,
    PageJob,
    default_analyse,
    import_counter,
    import_source,
    scan_source,
)
from ui.theme import Role, set_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

FILE_FILTER = "Tài liệu (*.pdf *.png *.jpg *.jpeg *.tif *.tiff);;Tất cả tệp (*)"
ChooseFiles = Callable[[QWidget], list[Path]]


def choose_files(parent: QWidget) -> list[Path]:
    """Ask for PDF or image files (tests pass their own chooser)."""
    names, _ = QFileDialog.getOpenFileNames(parent, "Nhập tệp PDF hoặc ảnh", "", FILE_FILTER)
    return [Path(n) for n in names]


@dataclass(frozen=True, slots=True)
class ScanSetup:
    """Loaded on a worker: the profiles, the one this counter used last, the PC's devices."""

    profiles: list[ScanProfile]
    last: str | None
    devices: DeviceCatalog


def load_setup(session: Session, devices: DeviceCatalog | None) -> ScanSetup:
    from app.scanning.profiles import DEFAULT_PROFILES, last_profile_name, load_profiles, load_scanner_config

    profiles = list(load_profiles(session)) or list(DEFAULT_PROFILES)
    catalog = devices if devices is not None else ConfiguredDevices(load_scanner_config(session))
    return ScanSetup(profiles, last_profile_name(session), catalog)


class ScanBar(QWidget):
    """Profile combo, buttons and progress; one page job at a time.

    Signals:
        page_arrived(object, object): a Page (analysed) and its thumbnail QImage.
        started(): a scan or import began.
        finished(bool): it ended (False: cancelled or failed; pages received stay valid).
        failed(str): the officer's message for a failure.
    """

    page_arrived = Signal(object, object)
    started = Signal()
    finished = Signal(bool)
    failed = Signal(str)

    def __init__(
        self,
        ctx: UiContext,
        devices: DeviceCatalog | None = None,
        analyse: Analyse | None = default_analyse,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx, self._given, self._analyse = ctx, devices, analyse
        self.setup: ScanSetup | None = None
        self.device_list: list[DeviceInfo] | None = None
        self.job: PageJob | None = None
        self.choose_files: ChooseFiles = choose_files
        self._kind = ""
        self.profile_combo = QComboBox()
        self.profile_combo.setMinimumWidth(250)
        self.profile_combo.setToolTip("Cấu hình quét (máy quét, độ phân giải, màu, khay giấy)")
        self.scan_button = QPushButton("Quét (F9)")
        set_role(self.scan_button, Role.PRIMARY)
        self.import_button = QPushButton("Nhập tệp… (Ctrl+O)")
        self.cancel_button = QPushButton("Huỷ quét (Esc)")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setMinimumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status = QLabel("Đang tải cấu hình quét…")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Cấu hình:"))
        row.addWidget(self.profile_combo)
        for b in (self.scan_button, self.import_button, self.cancel_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        row.addWidget(self.progress)
        row.addWidget(self.status, 1)
        self.scan_button.clicked.connect(self._on_scan_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.cancel_button.clicked.connect(self.cancel)
        self.profile_combo.activated.connect(self._on_profile_combo_activated)
        self._load()

    # --- set-up --------------------------------------------------------------------------------------

    def _load(self) -> None:
        given = self._given

        def done(setup: ScanSetup) -> None:
            if not shiboken6.isValid(self):
                return
            self.setup = setup
            self.profile_combo.clear()
            for p in setup.profiles:
                self.profile_combo.addItem(p.name, p)
            names = [p.name for p in setup.profiles]
            self.profile_combo.setCurrentIndex(names.index(setup.last) if setup.last in names else 0)
            self.status.setText("Sẵn sàng. Đặt giấy vào máy quét rồi bấm F9.")

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self):
                self._fail(f"Không đọc được cấu hình quét: {getattr(exc, 'message', exc)}")

        self._ctx.runner.run(lambda s: load_setup(s, given), done, failed, write=False)

    @property
    def profile(self) -> ScanProfile | None:
        data = self.profile_combo.currentData()
        return data if isinstance(data, ScanProfile) else None

    @property
    def kind(self) -> str:
        """ "scan" or "import": what the last job was."""
        return self._kind

    @property
    def busy(self) -> bool:
        return self.job is not None

    @Slot(int)
    def _on_profile_combo_activated(self, _index: int) -> None:
        profile = self.profile
        if profile is None:
            return
        name = profile.name

        def work(session: Session) -> None:
            from app.scanning.profiles import remember_profile

            remember_profile(session, name)

        self._ctx.runner.run(work, lambda _r: None, lambda _e: None, write=True)

    def _fail(self, message: str) -> None:
        self.status.setText(message)
        set_role(self.status, Role.ERROR)
        self.failed.emit(message)

    # --- scanning ------------------------------------------------------------------------------------

    @Slot()
    def _on_scan_button_clicked(self) -> None:
        self.scan()

    def scan(self, limit: int | None = None) -> bool:
        """Scan with the chosen profile; the device list is read first (on a worker) if needed."""
        if self.busy or self.setup is None:
            return False
        profile = self.profile
        if profile is None:
            self._fail("Chưa có cấu hình quét. Mở Hệ thống → Cài đặt máy quét tài liệu.")
            return False
        if self.device_list is None:
            self._set_busy(True)
            self.status.setText("Đang tìm máy quét…")
            catalog = self.setup.devices

            def done(devices: list[DeviceInfo]) -> None:
                if not shiboken6.isValid(self):
                    return
                self.device_list = devices
                self._set_busy(False)
                self.scan(limit)

            def failed(exc: BaseException) -> None:
                if shiboken6.isValid(self):
                    self._set_busy(False)
                    self._fail(f"Không tìm được máy quét: {getattr(exc, 'message', exc)}")

            self._ctx.runner.run(lambda _s: catalog.list_devices(), done, failed, write=False)
            return True
        device = self._device_for(profile)
        if device is None:
            return False
        backend = self.setup.devices.backend_for(device)
        self._kind = "scan"
        self._start(PageJob(scan_source(backend, device, profile.settings), limit=limit, analyse=self._analyse))
        self.status.setText(f"Đang quét trang 1… ({device.name})")
        return True

    def _device_for(self, profile: ScanProfile) -> DeviceInfo | None:
        devices = self.device_list or []
        if not devices:
            self.device_list = None  # look again next time: the scanner may be plugged in now
            self._fail("Không tìm thấy máy quét nào. Kiểm tra máy quét đã bật và cắm cáp, rồi bấm F9 lại.")
            return None
        for d in devices:
            if d.id == profile.device_id:
                return d
        if profile.device_id:
            self.device_list = None
            self._fail(f"Không thấy máy quét của cấu hình “{profile.name}” ({profile.device_id}). Kiểm tra máy"
                       " quét, hoặc chọn cấu hình khác.")  # fmt: skip
            return None
        return devices[0]  # a profile with no device: the first one found

    @Slot()
    def _on_import_button_clicked(self) -> None:
        self.import_files()

    def import_files(self, paths: list[Path] | None = None) -> bool:
        """Import PDF / image files (asks for them when ``paths`` is None)."""
        if self.busy:
            return False
        chosen = paths if paths is not None else self.choose_files(self.window())
        if not chosen:
            return False
        self._kind = "import"
        job = PageJob(import_source(chosen), counter=import_counter(chosen), analyse=self._analyse)
        self._start(job)
        self.status.setText("Đang đếm trang của tệp…")
        return True

    def _start(self, job: PageJob) -> None:
        self.job = job
        self.status.setPalette(QPalette())  # back to plain text after an error
        self.status.setProperty("role", None)
        job.page_arrived.connect(self.page_arrived)
        job.progress.connect(self._on_job_progress)
        job.failed.connect(self._on_job_failed)
        job.done.connect(self._on_job_done)
        self._set_busy(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.started.emit()
        job.start()

    def _set_busy(self, busy: bool) -> None:
        self.scan_button.setEnabled(not busy)
        self.import_button.setEnabled(not busy)
        self.profile_combo.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    @Slot(int, int)
    def _on_job_progress(self, done: int, total: int) -> None:
        if self._kind == "import" and total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.status.setText(f"Đang nhập trang {min(done + 1, total)}/{total}")
        else:
            self.status.setText(f"Đang quét trang {done + 1}… (đã nhận {done} trang)")

    @Slot(str, object)
    def _on_job_failed(self, message: str, _exc: object) -> None:
        self._fail(message)

    @Slot(bool)
    def _on_job_done(self, ok: bool) -> None:
        job = self.job
        self.job = None
        count = job.delivered if job else 0
        if job is not None:
            job.wait()
            job.deleteLater()
        self._set_busy(False)
        self.progress.hide()
        word = "nhập" if self._kind == "import" else "quét"
        if ok:
            self.status.setText(f"Đã {word} {count} trang.")
        elif job is not None and job.cancel_token.cancelled:
            self.status.setText(f"Đã huỷ. Giữ {count} trang đã {word}.")
        self.finished.emit(ok)

    @Slot()
    def cancel(self) -> None:
        """Stop the running scan or import; the pages received stay."""
        if self.job is not None:
            self.status.setText("Đang dừng…")
            self.job.cancel()

    def stop(self, msecs: int = 10_000) -> None:
        """Cancel and wait for the worker (closing the dialog)."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait(msecs)
