"""A stop and a withdrawal recorded at counter A cross the REAL central server (issue 16): the server
accepts them, folds status 8 / 7 and the end of the indicators (ended_at / end_status) as counter A's
projection does, counter B pulls them and counts the same 2.1 and Biểu II.06a, and prints the same
form 05. A stop recorded offline on a dossier another counter already decided is flagged, not folded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from io import BytesIO

from sqlalchemy import select

from app.domain.catalog import Catalog
from app.domain.status import DossierStatus
from app.printing import stop_notice
from app.services.reports import kpi, period_report
from app.services.returns import record_result
from app.services.stops import StopKind, StopRequest, build_stop_notice, record_stop
from app.store.db import transaction
from app.store.models import Dossier
from tests.app.test_reception import draft, receive
from tests.app.test_returns import THREE_DAYS
from tests.pdf_tools import pdf_text
from tests.sync_support import Counter
from tests.test_sync_e2e import LiveServer, counter, live  # noqa: F401  (fixtures: the real server and its counters)

STOP = StopRequest(StopKind.STOP, "Nguyễn Văn An", "Không còn nhu cầu giải quyết")
WITHDRAW = StopRequest(StopKind.WITHDRAW, "Trần Thị Bình", "Sẽ nộp lại hồ sơ khác")
START, END = date(2026, 11, 23), date(2026, 12, 4)


def _local(c: Counter, uid: str) -> tuple[int, datetime]:
    with c.factory() as s:
        d = s.scalars(select(Dossier).where(Dossier.uid == uid)).one()
        return d.status, d.updated_at


def _server(live: LiveServer, uid: str) -> tuple[int, datetime | None, int | None]:  # noqa: F811
    from server.sync.models import ServerDossier

    with live.tx() as s:
        d = s.scalars(select(ServerDossier).where(ServerDossier.uid == uid)).one()
        return d.status, d.ended_at, d.end_status


def _notice(c: Counter, uid: str) -> str:
    with c.factory() as s:
        data = build_stop_notice(s, uid)
    out = BytesIO()
    stop_notice.render(data, out)
    return " ".join(" ".join(pdf_text(out.getvalue())).split())


def _figures(c: Counter) -> tuple[object, ...]:
    with c.factory() as s:
        office = kpi(s, START, END).office
        return office.on_time.numerator, office.on_time.denominator, period_report(s, START, END).total


def test_a_stop_and_a_withdrawal_cross_the_server_to_another_counter(
    live: LiveServer,  # noqa: F811
    counter: Callable[[str], Counter],  # noqa: F811
    catalog: Catalog,
) -> None:
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    assert a.engine().run_once().ok and b.engine().run_once().ok
    stopped, withdrawn, decided = (
        receive(a.factory, a.actor, catalog, draft(catalog, THREE_DAYS)).uid for _ in range(3)
    )
    assert a.engine().run_once().ok and b.engine().run_once().ok  # B knows the three dossiers
    stop_at, withdraw_at = datetime(2026, 11, 24, 10, 0), datetime(2026, 12, 1, 10, 0)
    with transaction(a.factory) as s:
        record_stop(s, a.actor, stopped, STOP, stop_at)
        record_stop(s, a.actor, withdrawn, WITHDRAW, withdraw_at)
        record_result(s, a.actor, decided, "Giấy chứng nhận", datetime(2026, 11, 25, 14, 0))
    pushed = a.engine().run_once()
    assert (pushed.accepted, pushed.rejected, pushed.error) == (3, 0, "")
    assert _server(live, stopped) == (8, stop_at, 8)
    assert _server(live, withdrawn) == (7, withdraw_at, 7)
    assert _server(live, decided)[1:] == (datetime(2026, 11, 25, 14, 0), 9)
    assert a.engine().run_once().ok and b.engine().run_once().ok
    for uid, expected in ((stopped, (8, stop_at)), (withdrawn, (7, withdraw_at))):
        assert _local(a, uid) == expected and _local(b, uid) == expected
    assert _local(a, decided)[0] == _local(b, decided)[0] == DossierStatus.RESULT_READY
    assert _figures(a) == _figures(b)
    numerator, denominator, total = _figures(a)
    assert (numerator, denominator) == (2, 3)  # stopped early, result early; withdrawn after the due day
    assert (total.resolved_total, total.resolved_early, total.resolved_late) == (3, 2, 1)  # type: ignore[attr-defined]
    printed = _notice(b, withdrawn)
    assert printed == _notice(a, withdrawn)
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in printed and "đề nghị rút hồ sơ" in printed


def test_a_stop_recorded_offline_after_another_counters_result_is_flagged(
    live: LiveServer,  # noqa: F811
    counter: Callable[[str], Counter],  # noqa: F811
    catalog: Catalog,
) -> None:
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    assert a.engine().run_once().ok and b.engine().run_once().ok
    uid = receive(a.factory, a.actor, catalog, draft(catalog, THREE_DAYS)).uid
    assert a.engine().run_once().ok and b.engine().run_once().ok
    result_at = datetime(2026, 11, 25, 14, 0)
    with transaction(a.factory) as s:
        record_result(s, a.actor, uid, "Giấy chứng nhận", result_at)
    # B, offline, is asked to stop it: allowed by what B knows (still received).
    with transaction(b.factory) as s:
        record_stop(s, b.actor, uid, STOP, result_at + timedelta(hours=1))
    assert a.engine().run_once().accepted == 1
    late = b.engine().run_once()  # B's stop arrives after the result: kept and flagged, not folded
    assert (late.rejected, late.flagged) == (0, 1)
    assert _server(live, uid) == (DossierStatus.RESULT_READY, result_at, 9)
    with live.tx() as s:
        from server.sync.models import Conflict

        kinds = [c.kind for c in s.scalars(select(Conflict))]
    assert kinds == ["illegal_transition"]
    assert a.engine().run_once().ok
    assert _local(a, uid)[0] == DossierStatus.RESULT_READY  # A never folds B's stop
