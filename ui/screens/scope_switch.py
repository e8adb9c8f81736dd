"""The supervision workspace's source switch: "Đơn vị này" (this PC's store, as of the last sync) or
"Toàn tỉnh" (the central server); remembered per view in QSettings."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QWidget

from app.services.province import Scope

log = logging.getLogger(__name__)

GROUP = "supervision"
SHORTCUT = "Ctrl+T"
OFFICE_TEXT = "Đơn vị này (trên máy"
PROVINCE_TEXT = "Toàn tỉnh (máy chủ)"
NO_CLICK_THROUGH = (
    "Số liệu toàn tỉnh do máy chủ tính: máy này không giữ hồ sơ của đơn vị khác nên không mở được danh sách"
    " hồ sơ sau mỗi số liệu. Chọn “Đơn vị này” (Ctrl+T) để xem hồ sơ của đơn vị."
)

NO_CLICK_STATUS = "Số liệu máy chủ: không mở được hồ sơ của đơn vị khác."


class ScopeStore:
    """The remembered choice of each view (``key``) in QSettings (tests pass an INI file of their own)."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._qs = qsettings if qsettings is not None else QSettings()

    def load(self, key: str) -> Scope:
        """The stored scope of ``key``; missing or unreadable: this office."""
        raw = str(self._qs.value(f"{GROUP}/{key}", Scope.OFFICE.value))
        try:
            return Scope(raw)
        except ValueError:
            log.warning("supervision setting %s=%r unreadable; using this office", key, raw)
            return Scope.OFFICE

    def save(self, key: str, scope: Scope) -> None:
        self._qs.setValue(f"{GROUP}/{key}", scope.value)
        self._qs.sync()


class ScopeSwitch(QWidget):
    """Two exclusive buttons; Ctrl+T anywhere in ``owner`` flips between them.

    Signals:
        scope_changed(str): the user (or :meth:`set_scope`) picked another scope (a Scope value).
    """

    scope_changed = Signal(str)

    def __init__(
        self, key: str, owner: QWidget, store: ScopeStore | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._key = key
        self._store = store or ScopeStore()
        self._scope = self._store.load(key)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        label = QLabel(f"Số liệu ({SHORTCUT}):")
        row.addWidget(label)
        row.addSpacing(6)
        self.office_button = QPushButton(OFFICE_TEXT + ")")
        self.province_button = QPushButton(PROVINCE_TEXT)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        tips = (
            "Số liệu tính trên máy này từ dữ liệu của đơn vị: dùng được khi mất mạng, mới đến lần đồng bộ gần nhất.",
            "Số liệu mọi đơn vị trong tỉnh do máy chủ tính: cần kết nối máy chủ và tài khoản được xem toàn tỉnh.",
        )
        for n, (button, tip) in enumerate(((self.office_button, tips[0]), (self.province_button, tips[1]))):
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setToolTip(f"{tip} ({SHORTCUT} để chuyển)")
            button.setAccessibleName(button.text())
            self._group.addButton(button, n)
            row.addWidget(button)
        self._button(self._scope).setChecked(True)
        self._group.idClicked.connect(self._on_group_id_clicked)
        key_ = QShortcut(QKeySequence(SHORTCUT), owner, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        key_.activated.connect(self.toggle)

    @property
    def scope(self) -> Scope:
        return self._scope

    def _button(self, scope: Scope) -> QPushButton:
        return self.province_button if scope is Scope.PROVINCE else self.office_button

    def set_as_of(self, as_of: str) -> None:
        """Say how recent this office's figures are, e.g. "đến lần đồng bộ 09:42 20/11/2026" ("" standalone)."""
        self.office_button.setText(f"{OFFICE_TEXT}, {as_of})" if as_of else OFFICE_TEXT + ")")
        self.office_button.setAccessibleName(self.office_button.text())

    def set_scope(self, scope: Scope) -> None:
        """Pick ``scope`` (remembered); emits scope_changed when it differs."""
        self._button(scope).setChecked(True)
        if scope is self._scope:
            return
        self._scope = scope
        self._store.save(self._key, scope)
        self.scope_changed.emit(scope.value)

    @Slot()
    def toggle(self) -> None:
        self.set_scope(Scope.OFFICE if self._scope is Scope.PROVINCE else Scope.PROVINCE)

    @Slot(int)
    def _on_group_id_clicked(self, n: int) -> None:
        self.set_scope(Scope.PROVINCE if n == 1 else Scope.OFFICE)
