"""A dossier's legal basis crosses the REAL central server unchanged (issue 16): counter A receives one
dossier on 30 June 2025 23:59 and one on 1 July 2025 00:00; the server stores the reception events
with their ``legal_basis``; counter B pulls them, stores the same basis and prints the same control
slip (Mẫu số 05 of Circular 01/2018, Mẫu số 06 of Circular 03/2025) as A does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from io import BytesIO

from sqlalchemy import select

from app.domain.catalog import Catalog
from app.domain.events import EventType
from app.printing import form05
from app.services.custody_forms import build_control_slip
from app.services.office import load_calendar
from app.services.reception import receive_dossier
from app.store.db import transaction
from app.store.models import Dossier
from tests.app.test_reception import draft
from tests.pdf_tools import pdf_text
from tests.sync_support import Counter
from tests.test_sync_e2e import LiveServer, counter, live  # noqa: F401  (fixtures: the real server and its counters)

MOMENTS = {"2018": datetime(2025, 6, 30, 23, 59), "2025": datetime(2025, 7, 1, 0, 0)}
CONTROL_NUMBER = {"2018": "Mẫu số 05", "2025": "Mẫu số 06"}


def _basis(c: Counter, uid: str) -> tuple[str, str | None]:
    """The stored column and the basis in the stored reception payload."""
    with c.factory() as s:
        d = s.scalars(select(Dossier).where(Dossier.uid == uid)).one()
        return d.legal_basis, d.data.get("legal_basis")


def _control(c: Counter, uid: str) -> str:
    with c.factory() as s:
        slip = build_control_slip(s, load_calendar(s), uid)
    out = BytesIO()
    form05.render(slip, out)
    return " ".join(" ".join(pdf_text(out.getvalue())).split())


def test_the_basis_of_each_dossier_crosses_the_server_to_another_counter(
    live: LiveServer,  # noqa: F811
    counter: Callable[[str], Counter],  # noqa: F811
    catalog: Catalog,
) -> None:
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    assert a.engine().run_once().ok and b.engine().run_once().ok
    uids: dict[str, str] = {}
    for basis, at in MOMENTS.items():
        with transaction(a.factory) as s:
            uids[basis] = receive_dossier(s, a.actor, catalog, load_calendar(s), draft(catalog), at)[0].uid
    pushed = a.engine().run_once()
    assert (pushed.accepted, pushed.rejected, pushed.error) == (2, 0, "")
    from server.sync.models import ServerEvent

    with live.tx() as s:
        stored = {
            e.dossier_uid: e.payload.get("legal_basis")
            for e in s.scalars(select(ServerEvent).where(ServerEvent.type == str(EventType.RECEIVED)))
        }
    assert stored == {uid: basis for basis, uid in uids.items()}
    pulled = b.engine().run_once()
    assert pulled.ok and pulled.applied == 2
    for basis, uid in uids.items():
        assert _basis(a, uid) == _basis(b, uid) == (basis, basis)
        printed = _control(b, uid)
        assert printed == _control(a, uid)
        assert CONTROL_NUMBER[basis] in printed
