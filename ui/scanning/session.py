"""Quét hồ sơ (F9): scan or import the pages of one dossier, sort them onto its checklist, save
one PDF per document as the dossier's electronic copy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QItemSelectionModel, Qt, Slot
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.scanning.model import Page
from app.scanning.other_dossier import RUN_KEY, OtherDossierPages, other_dossier_pages
from app.services.drafts import Changes
from ui.context import UiContext
from ui.scanning.other_dossier import OtherDossierPanel
from ui.scanning.page_model import PageListModel
from ui.scanning.scan_bar import ScanBar
from ui.scanning.views import ChecklistList, PageGridView, PreviewPane
from ui.scanning.worker import Analyse, ComposeJob, DeviceCatalog, default_analyse
from ui.theme import Role, set_role, show_banner

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

OTHER = "Tài liệu khác"


@dataclass(frozen=True, slots=True)
class DossierHead:
    """What the dialog needs of the dossier: its code, applicant and checklist."""

    uid: str
    code: str
    applicant_name: str
    procedure_name: str
    documents: tuple[dict[str, Any], ...]


def load_head(session: Session, uid: str) -> DossierHead | None:
    from app.services.dossiers import get_detail

    d = get_detail(session, uid)
    if d is None:
        return None
    docs = tuple(x for x in d.data.get("documents", []) if isinstance(x, dict))
    return DossierHead(uid, d.code or "", d.applicant_name, d.procedure_name, docs)


def kept_out(page: Page) -> bool:
    """A cover sheet or label scanned with the pages is not part of the dossier's copy."""
    return page.separator_code is not None and page.meta.get("separator_kind", "slip") != "slip"


class ScanSessionDialog(QDialog):
    """One dossier's scan session.

    Args:
        ctx: the logged-in session's services (``ctx.blobs`` stores the PDFs).
        dossier_uid: the dossier the pages belong to.
        devices: where scanners are found (default: the PC's scanner config).
        analyse: page analysis run on the worker (blank pages, separators).
    """

    def __init__(
        self,
        ctx: UiContext,
        dossier_uid: str,
        parent: QWidget | None = None,
        *,
        devices: DeviceCatalog | None = None,
        analyse: Analyse | None = default_analyse,
    ) -> None:
        super().__init__(parent)
        self._ctx, self._uid = ctx, dossier_uid
        self.head: DossierHead | None = None
        self.saved_ids: list[str] = []
        self._mode = "append"
        self._cursor = 0  # next row for an insert, or the row a rescan replaces
        self._compose: ComposeJob | None = None
        self._run = 0  # number of the current scan or import (pages carry it in meta)
        self._others_here = False  # the officer chose to attach another dossier's pages here
        self._move_to: dict[str, str] = {}  # other dossier code -> uid its pages are attached to
        self._found: dict[str, str] = {}  # other dossier code -> uid, of those this PC has
        self.setWindowTitle("Quét hồ sơ")
        self.resize(1340, 720)
        self.title = QLabel("Đang tải hồ sơ…")
        set_role(self.title, Role.TITLE)
        self.bar = ScanBar(ctx, devices, analyse, self)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.model = PageListModel(parent=self)
        self.model.show_slots = True
        self.checklist = ChecklistList()
        self.grid = PageGridView()
        self.grid.setModel(self.model)
        self.preview = PreviewPane()
        self.other_panel = OtherDossierPanel()
        self._build()
        self._wire()
        ctx.runner.run(lambda s: load_head(s, dossier_uid), self._on_head_loaded, self._on_head_failed, write=False)

    # --- layout ----------------------------------------------------------------------------------------

    def _button(self, text: str, slot: Any, tip: str = "") -> QPushButton:
        b = QPushButton(text)
        b.setAutoDefault(False)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    def _build(self) -> None:
        left = QWidget()
        lcol = QVBoxLayout(left)
        lcol.setContentsMargins(0, 0, 0, 0)
        lcol.addWidget(QLabel("<b>Giấy tờ của hồ sơ</b> (trang mới vào mục đang chọn)"))
        lcol.addWidget(self.checklist, 1)
        self.assign_button = self._button("Gán trang đã chọn vào mục này", self._on_assign_clicked,
                                          "Hoặc chọn trang rồi bấm phím số 1–9 (0: Tài liệu khác)")  # fmt: skip
        lcol.addWidget(self.assign_button)
        hint = QLabel("Phím 1–9: gán trang đã chọn vào giấy tờ số đó; 0: Tài liệu khác. Kéo trang thả vào mục.")
        hint.setWordWrap(True)
        set_role(hint, Role.HINT)
        lcol.addWidget(hint)

        centre = QWidget()
        ccol = QVBoxLayout(centre)
        ccol.setContentsMargins(0, 0, 0, 0)
        tools = QGridLayout()
        self.rotate_left_button = self._button("⟲ Trái (Ctrl+L)", lambda: self.rotate(-90))
        self.rotate_right_button = self._button("⟳ Phải (Ctrl+R)", lambda: self.rotate(90))
        self.delete_button = self._button("Xoá (Del)", self.delete_selected)
        self.undo_button = self._button("Hoàn tác (Ctrl+Z)", self.undo_delete)
        self.insert_button = self._button("Chèn sau (Ctrl+I)", self.scan_insert,
                                          "Quét thêm trang, chèn sau trang đang chọn")  # fmt: skip
        self.rescan_button = self._button("Quét lại (Ctrl+E)", self.rescan_selected,
                                          "Quét lại trang đang chọn để thay thế")  # fmt: skip
        for i, b in enumerate((self.rotate_left_button, self.rotate_right_button, self.delete_button,
                               self.undo_button, self.insert_button, self.rescan_button)):  # fmt: skip
            tools.addWidget(b, i // 3, i % 3)
        ccol.addLayout(tools)
        ccol.addWidget(self.grid, 1)
        self.count_label = QLabel("Chưa có trang nào. Bấm F9 để quét hoặc Ctrl+O để nhập tệp.")
        ccol.addWidget(self.count_label)

        right = QWidget()
        rcol = QVBoxLayout(right)
        rcol.setContentsMargins(0, 0, 0, 0)
        zoom = QHBoxLayout()
        zoom.addWidget(QLabel("Xem trang:"))
        for text, slot, tip in (
            ("Vừa khung", lambda: self.preview.set_zoom(None), "Cả trang vừa khung xem"),
            ("100%", lambda: self.preview.set_zoom(1.0), "Đúng kích thước ảnh quét"),
            ("−", lambda: self.preview.zoom_in(-1), "Thu nhỏ (phím -, Ctrl+lăn chuột)"),
            ("+", lambda: self.preview.zoom_in(1), "Phóng to (phím +, Ctrl+lăn chuột)"),
        ):
            b = self._button(text, slot, tip)
            b.setMaximumWidth(90 if len(text) > 1 else 32)
            zoom.addWidget(b)
        self.zoom_label = QLabel()
        zoom.addWidget(self.zoom_label, 1)
        rcol.addLayout(zoom)
        rcol.addWidget(self.preview, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        for w in (left, centre, right):
            splitter.addWidget(w)
        splitter.setSizes([280, 640, 420])
        splitter.setChildrenCollapsible(False)

        self.save_progress = QProgressBar()
        self.save_progress.hide()
        self.save_button = QPushButton("Lưu bản điện tử (Ctrl+S)")
        set_role(self.save_button, Role.PRIMARY)
        self.save_button.setAutoDefault(False)
        self.close_button = self._button("Đóng", self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_progress, 1)
        bottom.addStretch(1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)

        root = QVBoxLayout(self)
        root.addWidget(self.title)
        root.addWidget(self.bar)
        root.addWidget(self.banner)
        root.addWidget(splitter, 1)
        root.addWidget(self.other_panel)
        root.addLayout(bottom)

    def _wire(self) -> None:
        self.bar.page_arrived.connect(self._on_bar_page_arrived)
        self.bar.started.connect(self._on_bar_started)
        self.bar.failed.connect(lambda msg: self.show_banner(msg, ok=False))
        self.bar.finished.connect(self._on_bar_finished)
        self.model.pages_changed.connect(self._refresh_counts)
        self.grid.selectionModel().currentChanged.connect(self._on_grid_current_changed)
        self.checklist.pages_dropped.connect(self._on_checklist_pages_dropped)
        self.preview.zoom_changed.connect(self.zoom_label.setText)
        self.save_button.clicked.connect(self.save)
        self.other_panel.kept_out.connect(self._on_other_panel_kept_out)
        self.other_panel.moved.connect(self._on_other_panel_moved)
        self.other_panel.kept_here.connect(self._on_other_panel_kept_here)
        self.other_panel.dismissed.connect(self._reset_other_choice)
        for keys, slot in (
            (("F9", "Ctrl+Return", "Ctrl+Enter"), self.scan),
            (("Ctrl+O",), self.import_files),
            (("Ctrl+L",), lambda: self.rotate(-90)),
            (("Ctrl+R",), lambda: self.rotate(90)),
            (("Del",), self.delete_selected),
            (("Ctrl+Z",), self.undo_delete),
            (("Ctrl+I",), self.scan_insert),
            (("Ctrl+E",), self.rescan_selected),
            (("Ctrl+S",), self.save),
            (("+", "="), lambda: self.preview.zoom_in(1)),
            (("-",), lambda: self.preview.zoom_in(-1)),
        ):
            for key in keys:
                QShortcut(QKeySequence(key), self, slot)
        for digit in range(10):
            QShortcut(QKeySequence(str(digit)), self, lambda d=digit: self.assign_key(d))

    # --- loading -----------------------------------------------------------------------------------------

    def _on_head_loaded(self, head: DossierHead | None) -> None:
        if not shiboken6.isValid(self):
            return
        if head is None:
            self.title.setText("Không tìm thấy hồ sơ")
            self.show_banner("Không tìm thấy hồ sơ trong máy này; không thể quét đính kèm.", ok=False)
            self.bar.setEnabled(False)
            return
        self.head = head
        self.model.own_code = head.code
        self.setWindowTitle(f"Quét hồ sơ {head.code}")
        self.title.setText(f"Quét hồ sơ {head.code} – {head.applicant_name}")
        self.title.setToolTip(head.procedure_name)
        self.model.slot_names = [str(d.get("name", "")) for d in head.documents]
        self.checklist.clear()
        for _ in [*head.documents, None]:
            self.checklist.addItem(QListWidgetItem())
        self.checklist.setCurrentRow(0)
        self._refresh_counts()

    def _on_head_failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            self.show_banner(f"Không đọc được hồ sơ: {getattr(exc, 'message', exc)}", ok=False)

    def slot_of_row(self, row: int) -> int | None:
        docs = self.head.documents if self.head else ()
        return row if 0 <= row < len(docs) else None

    def current_slot(self) -> int | None:
        return self.slot_of_row(self.checklist.currentRow())

    def _refresh_counts(self) -> None:
        docs = self.head.documents if self.head else ()
        for row in range(self.checklist.count()):
            item = self.checklist.item(row)
            slot = self.slot_of_row(row)
            n = self.model.count_for(slot)
            if slot is None:
                text, required = f"0. {OTHER}", False
            else:
                d = docs[row]
                required = bool(d.get("required", True))
                copies = d.get("copies") or 1
                text = f"{row + 1}. {d.get('name', '')} ({d.get('form_label', '')}, {copies} bản)"
            text += (
                f"\n     {n} trang"
                if n
                else ("\n     chưa có trang – bắt buộc" if required else "\n     chưa có trang")
            )
            item.setText(text)
            item.setForeground(Qt.GlobalColor.darkRed if required and not n else Qt.GlobalColor.black)
        total = self.model.rowCount()
        blanks = sum(1 for p in self.model.pages() if p.blank)
        text = f"{total} trang" + (f" · {blanks} trang có vẻ trắng (tô cam)" if blanks else "")
        self.count_label.setText(text if total else "Chưa có trang nào. Bấm F9 để quét hoặc Ctrl+O để nhập tệp.")
        self.undo_button.setEnabled(self.model.can_undo())

    def show_banner(self, text: str, *, ok: bool) -> None:
        show_banner(self.banner, text, ok=ok)

    # --- pages in ----------------------------------------------------------------------------------------

    @Slot()
    def scan(self) -> None:
        self._mode = "append"
        self.bar.scan()

    @Slot()
    def import_files(self) -> None:
        """Ctrl+O: PDF or image files; their pages are added at the end."""
        self._mode = "append"
        self.bar.import_files()

    @Slot()
    def scan_insert(self) -> None:
        rows = self.grid.selected_rows()
        self._mode, self._cursor = "insert", (rows[-1] + 1 if rows else self.model.rowCount())
        self.bar.scan()

    @Slot()
    def rescan_selected(self) -> None:
        rows = self.grid.selected_rows()
        if len(rows) != 1:
            self.show_banner("Chọn đúng một trang để quét lại.", ok=False)
            return
        self._mode, self._cursor = "replace", rows[0]
        self.bar.scan(limit=1)

    @Slot()
    def _on_bar_started(self) -> None:
        self.banner.hide()
        self._run += 1

    @Slot(object, object)
    def _on_bar_page_arrived(self, page: Page, thumb: QImage) -> None:
        page.meta[RUN_KEY] = self._run
        mode = self._mode
        if mode == "replace" and self._cursor < self.model.rowCount():
            self.model.replace(self._cursor, page, thumb)
            self._select([self._cursor])
            return
        from ui.scanning.page_model import PageItem

        row = self._cursor if mode == "insert" else self.model.rowCount()
        self.model.insert(row, [PageItem(page, thumb, self.current_slot())])
        self._cursor = row + 1
        self.grid.scrollTo(self.model.index(row))
        if self.model.rowCount() == 1:
            self._select([0])

    @Slot(bool)
    def _on_bar_finished(self, _ok: bool) -> None:
        self._mode = "append"

    # --- page operations ---------------------------------------------------------------------------------

    def _select(self, rows: Sequence[int]) -> None:
        sm = self.grid.selectionModel()
        sm.clearSelection()
        for i, r in enumerate(rows):
            flags = QItemSelectionModel.SelectionFlag.Select
            if i == 0:
                sm.setCurrentIndex(self.model.index(r), flags)
            else:
                sm.select(self.model.index(r), flags)

    def select_rows(self, rows: Sequence[int]) -> None:
        """Select pages of the grid (as a click/shift-click would)."""
        self._select(rows)

    def rotate(self, degrees: int) -> None:
        rows = self.grid.selected_rows()
        self.model.rotate(rows, degrees)
        if rows:
            self.preview.show_page(self.model.pages([rows[0]])[0])

    def delete_selected(self) -> None:
        rows = self.grid.selected_rows()
        if self.model.remove(rows):
            self.show_banner(f"Đã xoá {len(rows)} trang. Bấm Ctrl+Z để hoàn tác.", ok=True)
            if self.model.rowCount():
                self._select([min(rows[0], self.model.rowCount() - 1)])
            else:
                self.preview.show_page(None)

    def undo_delete(self) -> None:
        rows = self.model.undo()
        if rows:
            self._select(rows)
            self.show_banner(f"Đã khôi phục {len(rows)} trang.", ok=True)

    def assign_key(self, digit: int) -> None:
        """Key 1–9: the selected pages go to checklist item ``digit``; 0 to Tài liệu khác."""
        if self.head is None:
            return
        if digit == 0:
            self.assign(self.grid.selected_rows(), self.checklist.count() - 1)
        elif digit <= len(self.head.documents):
            self.assign(self.grid.selected_rows(), digit - 1)

    def assign(self, rows: Sequence[int], checklist_row: int) -> None:
        if not rows:
            self.show_banner("Chọn trang trước (bấm vào ảnh trang, Shift/Ctrl để chọn nhiều).", ok=False)
            return
        self.model.assign(rows, self.slot_of_row(checklist_row))
        self.checklist.setCurrentRow(checklist_row)

    @Slot()
    def _on_assign_clicked(self) -> None:
        self.assign(self.grid.selected_rows(), self.checklist.currentRow())

    @Slot(object, int)
    def _on_checklist_pages_dropped(self, rows: list[int], checklist_row: int) -> None:
        self.assign(rows, checklist_row)

    def _on_grid_current_changed(self, current: Any, _previous: Any) -> None:
        page = current.data(Qt.ItemDataRole.UserRole + 1) if current.isValid() else None
        self.preview.show_page(page)

    # --- saving ------------------------------------------------------------------------------------------

    def parts(self, skip: frozenset[int] = frozenset()) -> list[tuple[str, int | None, list[Page]]]:
        """One document per checklist item with pages, then Tài liệu khác (rows in ``skip`` left out)."""
        out: list[tuple[str, int | None, list[Page]]] = []
        slots: list[int | None] = [*range(len(self.head.documents if self.head else ())), None]
        left_out = {id(p) for p in self.model.pages(skip)}
        for slot in slots:
            pages = [p for p in self.model.pages_for(slot) if not kept_out(p) and id(p) not in left_out]
            if pages:
                out.append((self.model.slot_name(slot), slot, pages))
        return out

    @Slot()
    def save(self) -> None:
        if self.bar.busy or self._compose is not None or self.head is None:
            return
        blobs = getattr(self._ctx, "blobs", None)
        if blobs is None:
            self.show_banner("Máy này chưa có nơi lưu bản điện tử; báo bộ phận CNTT.", ok=False)
            return
        others = other_dossier_pages(self.model.pages(), self.head.code)
        if others and not self._others_here and any(o.code not in self._move_to for o in others):
            self.ask_other_dossier(others)
            return
        moved = [o for o in others if o.code in self._move_to and not self._others_here]
        skip = frozenset(r for o in moved for r in o.rows)
        parts = self.parts(skip)
        extra = self._moved_parts(moved)
        if not parts and not extra:
            self.show_banner("Chưa có trang nào để lưu. Bấm F9 để quét hoặc Ctrl+O để nhập tệp.", ok=False)
            return
        warn = []
        blanks = sum(1 for _n, _i, pages in parts for p in pages if p.blank)
        if blanks:
            warn.append(f"Còn {blanks} trang có vẻ là trang trắng (tô cam) sẽ được lưu cùng.")
        missing = [str(d.get("name", "")) for i, d in enumerate(self.head.documents)
                   if d.get("required", True) and not self.model.count_for(i)]  # fmt: skip
        if missing:
            warn.append("Giấy tờ bắt buộc chưa có trang: " + "; ".join(missing) + ".")
        skipped = sum(1 for r, p in enumerate(self.model.pages()) if kept_out(p) and r not in skip)
        if skipped:
            warn.append(f"{skipped} tờ phân cách/nhãn hồ sơ không được đính kèm.")
        if warn and not self._ctx.prompts.confirm(self, "Lưu bản điện tử", "\n".join(warn) + "\n\nVẫn lưu?"):
            self._reset_other_choice()  # asked again at the next save
            return
        self._compose = job = ComposeJob([*parts, *(part for _uid, part in extra)], self)
        total = sum(len(p) for _n, _i, p in parts) + sum(len(p) for _u, (_n, _i, p) in extra)
        self.save_progress.setRange(0, total)
        self.save_progress.setValue(0)
        self.save_progress.show()
        self.save_button.setEnabled(False)
        job.progress.connect(self._on_compose_progress)
        targets = [uid for uid, _part in extra]
        job.composed.connect(lambda docs: self._attach(docs, blobs, targets))
        job.failed.connect(self._on_save_failed)
        job.finished.connect(job.deleteLater)
        job.start()

    @Slot(int, int)
    def _on_compose_progress(self, done: int, total: int) -> None:
        self.save_progress.setRange(0, total)
        self.save_progress.setValue(done)
        self.save_progress.setFormat(f"Đang tạo tệp PDF: trang {done}/{total}")
        self.save_progress.setTextVisible(True)

    def _moved_parts(self, moved: Sequence[OtherDossierPages]) -> list[tuple[str, tuple[str, None, list[Page]]]]:
        """(dossier uid, document) for the pages going to the dossier they belong to: one
        "Tài liệu khác" each (their place on that dossier's checklist is not known here)."""
        out = []
        for other in moved:
            pages = [p for p in self.model.pages(other.rows) if not kept_out(p)]
            if pages:
                out.append((self._move_to[other.code], (OTHER, None, pages)))
        return out

    def _attach(self, docs: list[Any], blobs: Any, targets: Sequence[str] = ()) -> None:
        """Attach ``docs``: the last ``len(targets)`` go to the dossiers ``targets``, the rest here;
        all in one transaction (one event per document, each on its own dossier)."""
        ctx, uid = self._ctx, self._uid
        source = "import" if all(p.pdf_page is not None for p in self.model.pages()) else "scan"
        here_docs = docs[: len(docs) - len(targets)]
        moved = list(zip(targets, docs[len(here_docs) :], strict=True))
        code = self.head.code if self.head else ""
        codes = {u: c for c, u in self._move_to.items()}

        def work(session: Session) -> list[str]:
            from app.services.attachments import attach_documents

            now = ctx.clock()
            ids = attach_documents(session, ctx.actor, blobs, uid, here_docs, occurred_at=now, source=source) \
                if here_docs else []  # fmt: skip
            for target, doc in moved:
                ids += attach_documents(session, ctx.actor, blobs, target, [doc], occurred_at=now,
                                        source=f"{source}, chuyển từ phiên quét hồ sơ {code}")  # fmt: skip
            return ids

        def done(ids: list[str]) -> None:
            ctx.bus.publish(Changes(frozenset({uid, *targets})), self)
            if not shiboken6.isValid(self):
                return
            self._compose = None
            self._reset_other_choice()
            self.saved_ids += ids
            pages = sum(d.pages for d in here_docs)
            self.model.clear()
            self.save_progress.hide()
            self.save_button.setEnabled(True)
            text = f"Đã lưu {len(here_docs)} tài liệu ({pages} trang) vào hồ sơ {code}." if here_docs else ""
            for target, doc in moved:
                text += f" Đã đính kèm {doc.pages} trang vào hồ sơ {codes.get(target, '')}."
            self.show_banner(text.strip() + " Bản điện tử sẽ được gửi lên máy chủ khi có kết nối.", ok=True)

        ctx.runner.run(work, done, self._on_attach_failed, write=True)

    # --- pages of another dossier ----------------------------------------------------------------------

    def ask_other_dossier(self, others: Sequence[OtherDossierPages]) -> None:
        """Stop the save: say which pages carry another dossier's code and ask what to do."""
        self.other_panel.ask(others, self.head.code if self.head else "")
        self.save_button.setEnabled(False)
        codes = [o.code for o in others]

        def look_up(session: Session) -> dict[str, str]:
            from app.services.dossiers import get_by_code

            rows = {c: get_by_code(session, c) for c in codes}
            return {c: row.uid for c, row in rows.items() if row is not None}

        def found(uids: dict[str, str]) -> None:
            if shiboken6.isValid(self) and self.other_panel.isVisible():
                self._found = dict(uids)
                self.other_panel.set_found(uids)

        self._ctx.runner.run(look_up, found, lambda _exc: found({}), write=False)

    @Slot()
    def _reset_other_choice(self) -> None:
        self._others_here, self._move_to = False, {}
        self.other_panel.hide()
        self.save_button.setEnabled(True)

    @Slot()
    def _on_other_panel_kept_out(self) -> None:
        rows = self.other_panel.rows()
        self._reset_other_choice()
        self.model.remove(rows)
        self.show_banner(f"Đã bỏ {len(rows)} trang của hồ sơ khác ra. Bấm Ctrl+Z để lấy lại.", ok=True)
        if self.model.rowCount():
            self.save()

    @Slot()
    def _on_other_panel_moved(self) -> None:
        move = {o.code: self._found[o.code] for o in self.other_panel.others if o.code in self._found}
        self._reset_other_choice()
        self._move_to = move
        self.save()

    @Slot()
    def _on_other_panel_kept_here(self) -> None:
        self._reset_other_choice()
        self._others_here = True
        self.save()

    def _on_attach_failed(self, exc: BaseException) -> None:
        self._on_save_failed(getattr(exc, "message", "Lỗi ngoài dự kiến khi lưu; các trang vẫn còn, hãy thử lại."), exc)

    @Slot(str, object)
    def _on_save_failed(self, message: str, _exc: object) -> None:
        if not shiboken6.isValid(self):
            return
        self._compose = None
        self._reset_other_choice()
        self.save_progress.hide()
        self.save_button.setEnabled(True)
        self.show_banner(f"Chưa lưu được: {message}", ok=False)

    # --- closing -----------------------------------------------------------------------------------------

    def _may_close(self) -> bool:
        if self._compose is not None:
            self.show_banner("Đang lưu bản điện tử, chờ một chút rồi đóng.", ok=False)
            return False
        n = self.model.rowCount()
        question = f"Còn {n} trang chưa lưu vào hồ sơ. Đóng và bỏ các trang này?"
        if n and not self._ctx.prompts.confirm(self, "Đóng cửa sổ quét", question):
            return False
        self.bar.stop()
        return True

    def reject(self) -> None:
        """Esc, Đóng, the window's close button: a running scan is cancelled first; closing with
        unsaved pages asks (QDialog.closeEvent comes here too)."""
        if self.bar.busy:
            self.bar.cancel()
            return
        if self._may_close():
            super().reject()


def open_scan_session(ctx: UiContext, dossier_uid: str, parent: QWidget) -> ScanSessionDialog:
    """Open the scan session of one dossier over ``parent`` (deleted when closed)."""
    dialog = ScanSessionDialog(ctx, dossier_uid, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
