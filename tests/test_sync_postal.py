"""The postal channel crosses the REAL central server (issue 16): counter A, offline, signs a postal
batch record and receives two of its items by post, one dossier in person and one submitted online,
then returns a result by post; on sync the server accepts every event (the batch record included),
and counter B sees the same channels, the same batch with the same dossier codes (its reprinted
record is A's), and finds the dossier by its postal and tracking numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from io import BytesIO

from sqlalchemy import select

from app.domain.catalog import Catalog
from app.domain.events import EventType
from app.domain.indicators import Channel
from app.domain.postal import PostalBatchDraft, PostalItem
from app.printing import postal_batch
from app.services.dossiers import search
from app.services.postal import batch_record, load_batch, sign_batch
from app.services.returns import PostalReturnDraft, record_result, return_to_citizen
from app.store.db import transaction
from app.store.models import Dossier
from tests.app.test_reception import APPLICANT, draft, receive
from tests.conftest import NOW
from tests.pdf_tools import pdf_text
from tests.sync_support import Counter
from tests.test_sync_e2e import LiveServer, counter, live  # noqa: F401  (fixtures: the real server and its counters)

ITEMS = ("RR123456785VN", "EE000000005VN")
TRACKING = "CP473982155VN"


def _channels(c: Counter) -> dict[str, tuple[int, object]]:
    with c.factory() as s:
        return {d.uid: (d.channel, d.received_at) for d in s.scalars(select(Dossier))}


def _record(c: Counter, batch_id: str) -> str:
    out = BytesIO()
    with c.factory() as s:
        postal_batch.render(batch_record(s, batch_id), out)
    return " ".join(" ".join(pdf_text(out.getvalue())).split())


def test_postal_batch_and_channels_reach_another_counter(
    live: LiveServer,  # noqa: F811
    counter: Callable[[str], Counter],  # noqa: F811
    catalog: Catalog,
) -> None:
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    assert a.engine().run_once().ok and b.engine().run_once().ok
    signed = NOW.replace(hour=8, minute=40)
    with transaction(a.factory) as s:  # offline: nothing is pushed until the end
        batch, _ = sign_batch(s, a.actor, PostalBatchDraft("Bưu điện xã Hạ Long", "Trần Văn Bưu", signed, ITEMS), NOW)
    by_post = [
        receive(a.factory, a.actor, catalog, replace(
            draft(catalog, applicant=replace(APPLICANT, personal_id=f"02209000{n:04d}")),
            channel="postal", postal_item=PostalItem(batch.batch_id, item)), now=NOW + timedelta(minutes=n))
        for n, item in enumerate(ITEMS)
    ]  # fmt: skip
    direct = receive(
        a.factory, a.actor, catalog, draft(catalog, applicant=replace(APPLICANT, personal_id="022090009991"))
    )
    online = receive(a.factory, a.actor, catalog, replace(
        draft(catalog, applicant=replace(APPLICANT, personal_id="022090009992")), channel="online"))  # fmt: skip
    returned = by_post[0].uid
    with transaction(a.factory) as s:
        record_result(s, a.actor, returned, "Bản sao trích lục", NOW + timedelta(hours=1))
    with transaction(a.factory) as s:
        return_to_citizen(s, a.actor, returned, PostalReturnDraft(TRACKING, "Tổ 5, Hồng Gai"), NOW + timedelta(hours=2))

    pushed = a.engine().run_once()
    assert (pushed.rejected, pushed.error) == (0, "")
    assert pushed.accepted + pushed.flagged == 7  # the batch record, 4 decisions, the result, the return
    with live.tx() as s:
        from server.sync.models import ServerEvent

        kinds = {e.type for e in s.scalars(select(ServerEvent))}
    assert str(EventType.POSTAL_BATCH_SIGNED) in kinds
    assert b.engine().run_once().ok

    seen_a, seen_b = _channels(a), _channels(b)
    assert seen_a == seen_b
    assert [seen_b[d.uid][0] for d in by_post] == [Channel.POSTAL, Channel.POSTAL]
    assert seen_b[direct.uid][0] == Channel.DIRECT and seen_b[online.uid][0] == Channel.ONLINE
    assert all(seen_b[d.uid][1] == signed for d in by_post)  # the legal receipt time: the signing
    with b.factory() as s:
        there = load_batch(s, batch.batch_id)
        assert [(i.item_no, i.code) for i in there.items] == [(i, d.code) for i, d in zip(ITEMS, by_post, strict=True)]
        assert [r.uid for r in search(s, ITEMS[1])] == [by_post[1].uid]
        assert [r.uid for r in search(s, TRACKING)] == [returned]
        row = s.scalars(select(Dossier).where(Dossier.uid == returned)).one()
        assert row.status == 10
    printed = _record(b, batch.batch_id)
    assert printed == _record(a, batch.batch_id)
    assert all(d.code and d.code in printed for d in by_post)
