"""The "Chỉ số" view of the supervision workspace: the period's indicators (DOMAIN.md §8), per office and
broken down, with the dossiers behind each figure and two charts; live on the change bus. A switch reads
the same figures for the whole province from the central server (no click-through there)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QModelIndex, QSortFilterProxyModel, Qt, QTimer, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.indicators import DEFAULT_RULES, Channel
from app.errors import UserFacingError
from app.services.drafts import Changes
from app.services.province import ProvinceKpi, Scope, fetch_kpi, office_as_of, server_time_text
from app.services.reports import Dimension, KpiReport, check_period, kpi
from ui.context import UiContext
from ui.models import indicator_table as m
from ui.ops import Latest
from ui.screens.indicator_charts import ChartPanel, WeekPoint, show_departments, show_trend
from ui.screens.indicator_data import IndicatorSnapshot, PeriodChoice, compute_weeks, preset_period
from ui.screens.scope_switch import NO_CLICK_STATUS, NO_CLICK_THROUGH, PROVINCE_TEXT, ScopeStore, ScopeSwitch
from ui.tables import open_on_activate, read_only_table
from ui.theme import Role, set_role

REFRESH_DELAY_MS = 2000
"""Changes arriving close together (a sync pull, a busy counter) recompute the figures once."""
TYPING_DELAY_MS = 400
GROUPINGS = (Dimension.DEPARTMENT, Dimension.FIELD, Dimension.PROCEDURE, Dimension.OFFICER)
PROVINCE_GROUPINGS = (Dimension.OFFICE, *GROUPINGS)
CLICK_HINT = "(Enter hoặc nháy đúp vào một số liệu để xem các hồ sơ)"
PROVINCE_HINT = "(số liệu máy chủ: không mở được hồ sơ của đơn vị khác)"


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class IndicatorsView(QWidget):
    """Period chooser on top; the office's figures; the breakdown table and the two charts below.

    Double-click or Enter on a figure (or a click on an office figure's "(n/N hồ sơ)") lists the
    dossiers behind it. Recomputes, 2 s after the last one, when the change bus names dossiers.
    "Toàn tỉnh (máy chủ)" (Ctrl+T) fetches the province's figures instead, through ``ctx.blob_transport``
    (the enrolled PC's signed-in transport), with no click-through.
    """

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *, scopes: ScopeStore | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._scopes = scopes
        self._reads = Latest(self)
        self._trend_reads = Latest(self)  # the weeks, asked for once the figures are shown
        self._snapshot: IndicatorSnapshot | None = None
        self._pending = 0
        self._stale = False
        self._model = m.IndicatorTableModel(self)
        self._proxy = QSortFilterProxyModel(self)
        self._proxy.setSourceModel(self._model)
        self._proxy.setSortRole(m.SORT_ROLE)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self._typing = QTimer(self)  # a date typed digit by digit is computed once, when it stops changing
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_DELAY_MS)
        self._typing.timeout.connect(self.refresh)
        self._build()
        ctx.bus.changed.connect(self._on_bus_changed)
        self._apply_preset()

    # --- public (tests drive these) -----------------------------------------------------------

    period_combo = property(lambda self: self._period)
    start_edit = property(lambda self: self._start)
    end_edit = property(lambda self: self._end)
    grouping_combo = property(lambda self: self._grouping)
    table = property(lambda self: self._table)
    proxy = property(lambda self: self._proxy)
    error_label = property(lambda self: self._error)
    trend_chart = property(lambda self: self._trend)
    department_chart = property(lambda self: self._departments)
    scope_switch = property(lambda self: self._switch)
    title_label = property(lambda self: self._title)
    status_label = property(lambda self: self._status)

    @property
    def snapshot(self) -> IndicatorSnapshot | None:
        return self._snapshot

    @property
    def loaded(self) -> bool:
        """Figures are on screen and no computation is waiting or running."""
        busy = self._pending or self._timer.isActive() or self._typing.isActive()
        return self._snapshot is not None and not busy

    def figure_text(self, key: str) -> str:
        """The office's figure line ``key`` ∈ on_time, norm, channels, digitised, satisfaction."""
        return str(self._figures[key].text())

    def open_office_figure(self, key: str) -> None:
        """What clicking the office figure's "(n/N hồ sơ)" does."""
        self._on_figure_link_activated(key)

    # --- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Kỳ:"))
        self._period = QComboBox()
        self._period.setAccessibleName("Kỳ báo cáo")
        for choice in PeriodChoice:
            self._period.addItem(choice.value, choice.value)
        self._period.setCurrentIndex(1)  # this month
        self._period.currentIndexChanged.connect(self._on_period_changed)
        bar.addWidget(self._period)
        self._start, self._end = self._date_edit("Từ ngày"), self._date_edit("Đến ngày")
        bar.addWidget(QLabel("Từ ngày"))
        bar.addWidget(self._start)
        bar.addWidget(QLabel("đến ngày"))
        bar.addWidget(self._end)
        bar.addSpacing(12)
        self._switch = ScopeSwitch("indicators_scope", self, self._scopes)
        self._switch.scope_changed.connect(self._on_switch_scope_changed)
        bar.addWidget(self._switch)
        self._busy = QProgressBar()
        self._busy.setRange(0, 0)
        self._busy.setMaximumWidth(120)
        self._busy.setAccessibleName("Đang tính chỉ số")
        self._busy.hide()
        bar.addWidget(self._busy)
        self._status = QLabel()
        set_role(self._status, Role.HINT)
        # A long status (the province's "no click-through" note) is cut, never widens the window.
        self._status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self._status, 1)
        root.addLayout(bar)
        self._error = QLabel()
        set_role(self._error, Role.ERROR)
        self._error.setWordWrap(True)
        self._error.hide()
        root.addWidget(self._error)

        self._title = QLabel()
        set_role(self._title, Role.SECTION)
        root.addWidget(self._title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        self._figures: dict[str, QLabel] = {}
        names = (("on_time", "2.1 Đúng hạn"), ("norm", "2.2 Thời gian giải quyết"), ("channels", "3.3 Kênh nộp"),
                 ("digitised", "4.2 Số hoá"), ("satisfaction", "5.4 Hài lòng"))  # fmt: skip
        for n, (key, name) in enumerate(names):
            head = QLabel(f"<b>{name}</b>")
            value = QLabel("—")
            value.setAccessibleName(name)
            if key == "digitised":
                head.setToolTip(DIGITISED_TIP)
                value.setToolTip(DIGITISED_TIP)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
            value.linkActivated.connect(self._on_figure_link_activated)
            self._figures[key] = value
            grid.addWidget(head, n // 3 * 2, n % 3, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, n // 3 * 2 + 1, n % 3, Qt.AlignmentFlag.AlignTop)
        for col in range(3):
            grid.setColumnStretch(col, 1)
        root.addLayout(grid)

        split = QSplitter()
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Chi tiết theo:"))
        self._grouping = QComboBox()
        self._grouping.setAccessibleName("Chi tiết theo")
        self._grouping.currentIndexChanged.connect(self._on_grouping_changed)
        pick.addWidget(self._grouping)
        self._hint = QLabel()
        pick.addWidget(self._hint)
        pick.addStretch(1)
        column.addLayout(pick)
        self._table = read_only_table(self._proxy, "Chỉ số chi tiết", select_rows=False)
        header = self._table.horizontalHeader()
        fm = self._table.fontMetrics()
        for col in range(len(m.COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, fm.horizontalAdvance("100% (9999/9999 hồ sơ)") + 12)
        header.resizeSection(m.COL_NAME, 240)
        header.resizeSection(m.COL_COUNT, fm.horizontalAdvance("Số hồ sơ") + 24)
        header.resizeSection(m.COL_SCORE, fm.horizontalAdvance("13,69/20 điểm") + 16)
        header.resizeSection(m.COL_NORM, fm.horizontalAdvance("nhanh hơn quy định 23,5% (999/999 hồ sơ)") + 12)
        open_on_activate(self._table, self._open_cell)
        column.addWidget(self._table, 1)
        split.addWidget(left)
        charts = QSplitter(Qt.Orientation.Vertical)
        self._trend = ChartPanel("Tỷ lệ giải quyết đúng hạn theo tuần")
        self._departments = ChartPanel("So sánh tỷ lệ đúng hạn giữa các cơ quan giải quyết")
        charts.addWidget(self._trend)
        charts.addWidget(self._departments)
        split.addWidget(charts)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([780, 560])
        root.addWidget(split, 1)
        self._show_scope()

    def _show_scope(self) -> None:
        """Groupings, hint and tooltips of the chosen scope (the province adds "Đơn vị", loses click-through)."""
        province = self.province
        current = self._grouping.currentData()
        blocked = self._grouping.blockSignals(True)
        self._grouping.clear()
        for dim in PROVINCE_GROUPINGS if province else GROUPINGS:
            self._grouping.addItem(dim.label, dim.value)
        self._grouping.setCurrentIndex(max(0, self._grouping.findData(current)))
        self._grouping.blockSignals(blocked)
        self._hint.setText(PROVINCE_HINT if province else CLICK_HINT)
        self._hint.setToolTip(NO_CLICK_THROUGH if province else "")
        self._table.setToolTip(NO_CLICK_THROUGH if province else "")
        self._trend.setVisible(not province)

    @property
    def province(self) -> bool:
        """Whether the view shows the province's figures (from the server)."""
        return self._switch.scope is Scope.PROVINCE

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setCalendarPopup(True)
        edit.setAccessibleName(name)
        edit.dateChanged.connect(self._on_date_changed)
        return edit

    # --- computing ------------------------------------------------------------------------------

    def period(self) -> tuple[date, date]:
        return _pydate(self._start.date()), _pydate(self._end.date())

    @Slot()
    def refresh(self) -> None:
        """Check the period; if it is valid compute its figures off the GUI thread."""
        self._timer.stop()
        self._typing.stop()
        start, end = self.period()
        try:
            check_period(start, end)
        except UserFacingError as exc:
            self._reads.guard(lambda _r: None, lambda _e: None)  # a running computation is no longer wanted
            self._trend_reads.guard(lambda _r: None, lambda _e: None)
            self._pending = 0
            self._busy.hide()
            self._error.setText(str(exc))
            self._error.show()
            return
        self._error.hide()
        self._busy.show()
        self._pending = 1
        self._trend_reads.guard(lambda _r: None, lambda _e: None)  # the weeks of an earlier period: not wanted
        if self.province:
            self._status.setText("Đang lấy số liệu toàn tỉnh từ máy chủ…")
            transport = self._ctx.blob_transport
            ok, bad = self._reads.guard(self._on_fetched, self._on_failed)
            self._ctx.runner.run(lambda _s: fetch_kpi(transport, start, end), ok, bad, write=False)
            return
        self._status.setText("Đang tính…")
        ok, bad = self._reads.guard(self._on_computed, self._on_failed)
        self._ctx.runner.run(lambda s: (IndicatorSnapshot(kpi(s, start, end), ()), office_as_of(s)), ok, bad,
                             write=False)  # fmt: skip

    def _settle(self) -> None:
        self._pending = 0
        self._busy.hide()

    def _on_computed(self, answer: tuple[IndicatorSnapshot, str]) -> None:
        """The figures, at once; the weekly trend follows (about as long again over a year)."""
        snap, as_of = answer
        self._switch.set_as_of(as_of)
        self._show(snap, f"Cập nhật lúc {self._ctx.clock():%H:%M:%S %d/%m/%Y}", "")
        show_trend(self._trend, ())
        self._trend.chart().setTitle("Tỷ lệ giải quyết đúng hạn theo tuần (đang tính…)")
        depts = snap.report.groups.get(Dimension.DEPARTMENT, ())
        show_departments(self._departments, [(d.name, d.on_time) for d in depts])
        self._pending = 1  # loaded once the trend is drawn too
        start, end = snap.report.start, snap.report.end
        ok, bad = self._trend_reads.guard(self._on_weeks, self._on_weeks_failed)
        self._ctx.runner.run(lambda s: compute_weeks(s, start, end), ok, bad, write=False)

    def _on_weeks(self, weeks: tuple[WeekPoint, ...]) -> None:
        self._pending = 0
        if self._snapshot is not None:
            self._snapshot = IndicatorSnapshot(self._snapshot.report, weeks)
        show_trend(self._trend, weeks)

    def _on_weeks_failed(self, exc: BaseException) -> None:
        self._pending = 0
        text = str(exc) if isinstance(exc, UserFacingError) else "lỗi chương trình, hãy báo bộ phận CNTT"
        self._trend.chart().setTitle(f"Tỷ lệ giải quyết đúng hạn theo tuần: không tính được ({text})")

    def _on_fetched(self, answer: ProvinceKpi) -> None:
        self._show(IndicatorSnapshot(answer.report, ()), f"Máy chủ tính lúc {server_time_text(answer.computed_at)}",
                   " (máy chủ)")  # fmt: skip
        offices = answer.report.groups.get(Dimension.OFFICE, ())
        show_departments(self._departments, [(o.name or o.key, o.on_time) for o in offices])
        self._departments.chart().setTitle("So sánh tỷ lệ đúng hạn giữa các đơn vị")

    def _show(self, snap: IndicatorSnapshot, status: str, source: str) -> None:
        self._settle()
        self._snapshot = snap
        report = snap.report
        self._status.setText(status)
        self._status.setToolTip("")
        office = report.office
        self._title.setText(
            f"{office.name or 'Đơn vị'}{source}: {office.counted} hồ sơ tính trong kỳ "
            f"{report.start:%d/%m/%Y} – {report.end:%d/%m/%Y}"
        )
        self._show_office(report)
        self._show_groups()

    def _on_failed(self, exc: BaseException) -> None:
        self._settle()
        self._status.setText("")
        if isinstance(exc, UserFacingError):
            self._error.setText(str(exc))
        else:  # a bug: logged with its traceback by the runner
            self._error.setText("Không tính được chỉ số do lỗi chương trình. Hãy báo bộ phận CNTT.")
        self._error.show()
        if self.province:  # no figures of the office left on screen under the province's switch
            self._clear(f"{PROVINCE_TEXT}: chưa có số liệu")

    def _clear(self, title: str) -> None:
        self._snapshot = None
        self._title.setText(title)
        for label in self._figures.values():
            label.setText("—")
        self._model.set_rows((), Dimension(self._grouping.currentData()).label)
        show_departments(self._departments, [])

    def _show_office(self, report: KpiReport) -> None:
        o = report.office

        def link(key: str, n: int, total: int, what: str = "hồ sơ") -> str:
            if not total:
                return ""
            return f"({n}/{total} {what})" if self.province else f'<a href="{key}">({n}/{total} {what})</a>'

        on_time = m.score_text(o.on_time_score, DEFAULT_RULES.on_time.max_points)
        self._figures["on_time"].setText(
            f"{o.on_time.text()} – {on_time} {link('on_time', o.on_time.numerator, o.on_time.denominator)}"
        )
        norm = m.norm_figure(o)
        norm_text = m.norm_cell(o).split(" (")[0]
        self._figures["norm"].setText(f"{norm_text} {link('norm', norm.measured, norm.finished)}")
        parts = []
        for ch in Channel:
            r = o.channels[ch]
            parts.append(f"{ch.label} {r.text()} {link('channel' + str(int(ch)), r.numerator, r.denominator)}")
        self._figures["channels"].setText("<br>".join(parts))
        digitised = m.score_text(o.digitised_score, DEFAULT_RULES.digitised.max_points)
        behind = link("digitised", o.digitised.numerator, o.digitised.denominator, DIGITISED_WHAT)
        self._figures["digitised"].setText(f"{o.digitised.text()} – {digitised} {behind}")
        sat = m.score_text(o.satisfaction_score, DEFAULT_RULES.satisfaction.max_points)
        against = m.against_satisfaction(o)
        pct = m.satisfaction_cell(o).split(" (")[0]
        self._figures["satisfaction"].setText(
            f"{pct} – {sat} (quá hạn {o.late.numerator}, không hài lòng {o.dissatisfied.numerator}; "
            f"{link('satisfaction', len(against), o.counted)})"
            if o.counted
            else pct
        )

    def _show_groups(self) -> None:
        if self._snapshot is None:
            return
        dim = Dimension(self._grouping.currentData())
        self._model.set_rows(self._snapshot.report.groups.get(dim, ()), dim.label)

    def _open_dossiers(self, title: str, uids: tuple[str, ...]) -> None:
        from ui.screens.indicator_dossiers import open_figure_dossiers

        if self._snapshot is None:
            return
        open_figure_dossiers(self._ctx, title, uids, self._snapshot.report.start, self._snapshot.report.end, self)

    def _open_cell(self, index: QModelIndex) -> None:
        if self.province:
            self._status.setText(NO_CLICK_STATUS)
            self._status.setToolTip(NO_CLICK_THROUGH)
            return
        self._open_dossiers(str(index.data(m.TITLE_ROLE)), tuple(index.data(m.UIDS_ROLE) or ()))

    # --- slots ----------------------------------------------------------------------------------

    def _apply_preset(self) -> None:
        choice = PeriodChoice(self._period.currentData())
        custom = choice is PeriodChoice.CUSTOM
        self._start.setEnabled(custom)
        self._end.setEnabled(custom)
        if not custom:
            start, end = preset_period(choice, self._ctx.clock().date())
            for edit, day in ((self._start, start), (self._end, end)):
                blocked = edit.blockSignals(True)
                edit.setDate(_qdate(day))
                edit.blockSignals(blocked)
        self.refresh()

    @Slot(int)
    def _on_period_changed(self, _index: int) -> None:
        self._apply_preset()

    @Slot(QDate)
    def _on_date_changed(self, _day: QDate) -> None:
        self._typing.start()

    @Slot(int)
    def _on_grouping_changed(self, _index: int) -> None:
        self._show_groups()

    @Slot(str)
    def _on_figure_link_activated(self, key: str) -> None:
        if self._snapshot is None or self.province:
            return
        o = self._snapshot.report.office
        where = o.name or "Toàn đơn vị"
        if key.startswith("channel"):
            ch = Channel(int(key.removeprefix("channel")))
            self._open_dossiers(f"3.3 Hồ sơ nộp {ch.label.lower()} – {where}", o.channels[ch].uids)
            return
        col = {"on_time": m.COL_ON_TIME, "norm": m.COL_NORM, "digitised": m.COL_DIGITISED,
               "satisfaction": m.COL_SATISFACTION}[key]  # fmt: skip
        self._open_dossiers(f"{m.COLUMNS[col].title} – {where}", m.COLUMNS[col].uids(o))

    @Slot(str)
    def _on_switch_scope_changed(self, _scope: str) -> None:
        self._show_scope()
        self._snapshot = None
        self.refresh()

    @Slot(object, object)
    def _on_bus_changed(self, changes: Changes, _initiator: object) -> None:
        if not changes.dossier_uids or self.province:  # the server's figures do not follow local changes
            return
        if self.isVisible():
            self._timer.start()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        if self._stale:
            self._stale = False
            self._timer.start()
        super().showEvent(event)


VIEW_LABELS = ("Hàng đợi (Ctrl+1)", "Chỉ số (Ctrl+2)")
DIGITISED_WHAT = "hồ sơ phải số hoá"
"""4.2's denominator: the dossiers with a paper to scan (app.domain.digitisation)."""
DIGITISED_TIP = (
    "Tỷ lệ hồ sơ đã đính kèm bản điện tử trên số hồ sơ có giấy tờ phải số hoá. Không tính hồ sơ nộp trực"
    " tuyến và hồ sơ chỉ có giấy tờ xuất trình hoặc tài liệu mật (Nghị định 118/2025/NĐ-CP)."
)


def workspace_views(ctx: UiContext, queues: QWidget, owner: QWidget) -> QTabWidget:
    """The workspace's two views as tabs: ``queues`` and the indicators (built on first show);
    Ctrl+1 / Ctrl+2 anywhere in ``owner`` switch between them."""
    from ui.screens.custody_tabs import LazyTab

    views = QTabWidget()
    views.setDocumentMode(True)
    views.addTab(queues, VIEW_LABELS[0])
    views.addTab(LazyTab(lambda: IndicatorsView(ctx)), VIEW_LABELS[1])
    for n in range(len(VIEW_LABELS)):
        key = QShortcut(QKeySequence(f"Ctrl+{n + 1}"), owner, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        key.activated.connect(lambda n=n: views.setCurrentIndex(n))
    return views
