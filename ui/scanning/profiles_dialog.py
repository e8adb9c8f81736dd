"""Cài đặt máy quét tài liệu: named scan profiles (device, resolution, colour, paper source) and,
for IT staff, the network scanners (eSCL URLs) and watched folders of this PC."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.scanning.model import ColorMode, DeviceInfo, PaperSource, ScanProfile, ScanSettings
from app.text import nfc
from ui.context import UiContext
from ui.scanning.worker import ConfiguredDevices, DeviceCatalog
from ui.theme import Role, set_invalid, set_role, show_banner

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.scanning.devices import ScannerConfig

ANY_DEVICE = "(máy quét đầu tiên tìm thấy)"
RESOLUTIONS = (100, 150, 200, 300, 400, 600)


@dataclass(frozen=True, slots=True)
class Loaded:
    profiles: list[ScanProfile]
    config: ScannerConfig
    devices: list[DeviceInfo]


def load_all(session: Session, given: DeviceCatalog | None) -> Loaded:
    from app.scanning.profiles import DEFAULT_PROFILES, load_profiles, load_scanner_config

    config = load_scanner_config(session)
    catalog = given if given is not None else ConfiguredDevices(config)
    return Loaded(list(load_profiles(session)) or list(DEFAULT_PROFILES), config, catalog.list_devices())


def check_urls(text: str) -> tuple[list[str], str]:
    """eSCL addresses, one a line; the error names the first bad line."""
    urls = [line.strip() for line in text.splitlines() if line.strip()]
    for url in urls:
        if not url.startswith(("http://", "https://")) or len(url) < 12 or " " in url:
            return urls, f"Địa chỉ “{url}” không hợp lệ: cần dạng http://192.168.1.50/eSCL"
    return urls, ""


def check_folders(text: str) -> tuple[list[Path], str]:
    folders = [Path(line.strip()) for line in text.splitlines() if line.strip()]
    for folder in folders:
        if not folder.is_dir():
            return folders, f"Thư mục “{folder}” không tồn tại hoặc không truy cập được."
    return folders, ""


class ScanProfilesDialog(QDialog):
    """Profiles on the left, the chosen one's settings on the right; IT settings below.

    Args:
        ctx: the logged-in session's services.
        devices: where scanners are found (default: this PC's scanner config).
    """

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *, devices: DeviceCatalog | None = None) -> None:
        super().__init__(parent)
        self._ctx, self._given = ctx, devices
        self.profiles: list[ScanProfile] = []
        self.devices: list[DeviceInfo] = []
        self.loaded = False
        self.setWindowTitle("Cài đặt máy quét tài liệu")
        self.resize(900, 640)
        self.list = QListWidget()
        self.name = QLineEdit()
        self.name.setPlaceholderText("Ví dụ: Xám 200 dpi hai mặt")
        self.device = QComboBox()
        self.resolution = QComboBox()
        self.color = QComboBox()
        for mode in ColorMode:
            self.color.addItem(mode.label, mode)
        self.source = QComboBox()
        self.name_error = QLabel()
        set_role(self.name_error, Role.ERROR)
        self.save_button = QPushButton("Lưu cấu hình (Ctrl+S)")
        self.save_button.setShortcut("Ctrl+S")
        set_role(self.save_button, Role.PRIMARY)
        self.delete_button = QPushButton("Xoá cấu hình")
        self.refresh_button = QPushButton("Tìm lại máy quét")
        self.urls = QPlainTextEdit()
        self.urls.setPlaceholderText("http://192.168.1.50/eSCL  (mỗi dòng một máy quét mạng)")
        self.urls.setMaximumHeight(64)
        self.folders = QPlainTextEdit()
        self.folders.setPlaceholderText("Thư mục máy quét lưu tệp vào (mỗi dòng một thư mục)")
        self.folders.setMaximumHeight(64)
        self.it_error = QLabel()
        set_role(self.it_error, Role.ERROR)
        self.pick_folder_button = QPushButton("Chọn thư mục…")
        self.save_it_button = QPushButton("Lưu kết nối máy quét")
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.close_button = QPushButton("Đóng")
        for b in (self.save_button, self.delete_button, self.refresh_button, self.pick_folder_button,
                  self.save_it_button, self.close_button):  # fmt: skip
            b.setAutoDefault(False)
        self._build()
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.device.currentIndexChanged.connect(self._on_device_current_index_changed)
        self.save_button.clicked.connect(self.save_profile)
        self.delete_button.clicked.connect(self.delete_profile)
        self.refresh_button.clicked.connect(self.reload)
        self.pick_folder_button.clicked.connect(self._on_pick_folder_clicked)
        self.save_it_button.clicked.connect(self.save_connections)
        self.close_button.clicked.connect(self.accept)
        self.reload()

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow("Tên cấu hình:", self.name)
        form.addRow("", self.name_error)
        form.addRow("Máy quét:", self.device)
        form.addRow("Độ phân giải:", self.resolution)
        form.addRow("Màu:", self.color)
        form.addRow("Khay giấy:", self.source)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addLayout(buttons)
        right.addStretch(1)
        top = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Cấu hình quét</b>"))
        left.addWidget(self.list)
        top.addLayout(left, 2)
        top.addLayout(right, 3)
        it = QGroupBox("Dành cho bộ phận CNTT: máy quét mạng (eSCL) và thư mục theo dõi")
        it_form = QFormLayout(it)
        it_form.addRow("Địa chỉ eSCL:", self.urls)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folders, 1)
        folder_row.addWidget(self.pick_folder_button)
        it_form.addRow("Thư mục theo dõi:", folder_row)
        it_form.addRow("", self.it_error)
        it_form.addRow("", self.save_it_button)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        root = QVBoxLayout(self)
        root.addWidget(self.banner)
        root.addLayout(top, 1)
        root.addWidget(it)
        root.addLayout(bottom)

    def show_banner(self, text: str, *, ok: bool) -> None:
        show_banner(self.banner, text, ok=ok)

    # --- loading -----------------------------------------------------------------------------------------

    @Slot()
    def reload(self) -> None:
        """Read profiles and connections, and look for devices (on a worker: it can take seconds)."""
        self.refresh_button.setEnabled(False)
        self.show_banner("Đang tìm máy quét…", ok=True)
        given = self._given

        def done(loaded: Loaded) -> None:
            if not shiboken6.isValid(self):
                return
            self.loaded = True
            self.refresh_button.setEnabled(True)
            self.profiles, self.devices = loaded.profiles, loaded.devices
            self.urls.setPlainText("\n".join(loaded.config.escl_urls))
            self.folders.setPlainText("\n".join(str(f) for f in loaded.config.watched_folders))
            self.device.blockSignals(True)
            self.device.clear()
            self.device.addItem(ANY_DEVICE, "")
            for d in self.devices:
                self.device.addItem(d.name, d.id)
            self.device.blockSignals(False)
            self._fill_list()
            found = len(self.devices)
            self.show_banner(f"Tìm thấy {found} máy quét." if found else "Không tìm thấy máy quét nào. Kiểm tra máy"
                             " quét đã bật, cáp hoặc địa chỉ mạng bên dưới.", ok=bool(found))  # fmt: skip

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self):
                self.refresh_button.setEnabled(True)
                self.show_banner(f"Không đọc được cài đặt máy quét: {getattr(exc, 'message', exc)}", ok=False)

        self._ctx.runner.run(lambda s: load_all(s, given), done, failed, write=False)

    def _fill_list(self, select: str | None = None) -> None:
        self.list.clear()
        for p in self.profiles:
            self.list.addItem(p.name)
        names = [p.name for p in self.profiles]
        self.list.setCurrentRow(names.index(select) if select in names else 0 if names else -1)

    def _device_info(self, device_id: str) -> DeviceInfo | None:
        return next((d for d in self.devices if d.id == device_id), None)

    @Slot(int)
    def _on_device_current_index_changed(self, _index: int) -> None:
        """Offer only what the device can do (any when the device is not known)."""
        info = self._device_info(str(self.device.currentData() or ""))
        keep_res, keep_src = self.resolution.currentData(), self.source.currentData()
        self.resolution.clear()
        for r in info.resolutions if info else RESOLUTIONS:
            self.resolution.addItem(f"{r} dpi", r)
        self.source.clear()
        for s in info.sources if info else tuple(PaperSource):
            self.source.addItem(s.label, s)
        for combo, keep in ((self.resolution, keep_res), (self.source, keep_src)):
            i = combo.findData(keep)
            if i >= 0:
                combo.setCurrentIndex(i)

    @Slot(int)
    def _on_list_current_row_changed(self, row: int) -> None:
        if not 0 <= row < len(self.profiles):
            return
        p = self.profiles[row]
        self.name.setText(p.name)
        i = self.device.findData(p.device_id)
        self.device.setCurrentIndex(i if i >= 0 else 0)
        self._on_device_current_index_changed(self.device.currentIndex())
        for combo, value in ((self.resolution, p.settings.resolution), (self.color, p.settings.color_mode),
                             (self.source, p.settings.source)):  # fmt: skip
            i = combo.findData(value)
            if i >= 0:
                combo.setCurrentIndex(i)

    # --- saving ------------------------------------------------------------------------------------------

    def current_profile(self) -> ScanProfile | None:
        name = nfc(self.name.text()).strip()
        error = "" if name else "Nhập tên cấu hình."
        if len(name) > 80:
            error = "Tên cấu hình dài quá 80 ký tự."
        self.name_error.setText(error)
        set_invalid(self.name, bool(error))
        if error:
            self.name.setFocus()
            return None
        settings = ScanSettings(int(self.resolution.currentData() or 300), self.color.currentData() or ColorMode.BW,
                                self.source.currentData() or PaperSource.FLATBED)  # fmt: skip
        return ScanProfile(name, str(self.device.currentData() or ""), settings)

    @Slot()
    def save_profile(self) -> None:
        profile = self.current_profile()
        if profile is None or not self.loaded:
            return
        names = [p.name for p in self.profiles]
        if profile.name in names:
            self.profiles[names.index(profile.name)] = profile
        else:
            self.profiles.append(profile)
        self._write_profiles(f"Đã lưu cấu hình “{profile.name}”.", select=profile.name)

    @Slot()
    def delete_profile(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.profiles):
            return
        name = self.profiles[row].name
        if not self._ctx.prompts.confirm(self, "Xoá cấu hình", f"Xoá cấu hình quét “{name}”?"):
            return
        del self.profiles[row]
        self._write_profiles(f"Đã xoá cấu hình “{name}”.")

    def _write_profiles(self, done_text: str, select: str | None = None) -> None:
        profiles = list(self.profiles)

        def work(session: Session) -> None:
            from app.scanning.profiles import save_profiles

            save_profiles(session, profiles)

        def done(_r: object) -> None:
            if shiboken6.isValid(self):
                self._fill_list(select)
                self.show_banner(done_text, ok=True)

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self):
                self.show_banner(f"Chưa lưu được: {getattr(exc, 'message', exc)}", ok=False)

        self._ctx.runner.run(work, done, failed, write=True)

    @Slot()
    def _on_pick_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Thư mục máy quét lưu tệp vào")
        if folder:
            text = self.folders.toPlainText().strip()
            self.folders.setPlainText(f"{text}\n{folder}".strip())

    @Slot()
    def save_connections(self) -> None:
        """eSCL URLs and watched folders, checked, saved for this PC; devices are looked up again."""
        urls, url_error = check_urls(self.urls.toPlainText())
        folders, folder_error = check_folders(self.folders.toPlainText())
        error = url_error or folder_error
        self.it_error.setText(error)
        set_invalid(self.urls, bool(url_error))
        set_invalid(self.folders, bool(folder_error))
        if error:
            return

        def work(session: Session) -> None:
            from app.scanning.devices import ScannerConfig
            from app.scanning.profiles import save_scanner_config

            save_scanner_config(session, ScannerConfig(escl_urls=urls, watched_folders=folders))

        def done(_r: object) -> None:
            if shiboken6.isValid(self):
                self.reload()

        self._ctx.runner.run(work, done, lambda e: self.show_banner(f"Chưa lưu được: {e}", ok=False), write=True)
