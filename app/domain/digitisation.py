"""Which dossiers have papers to scan (indicator 4.2's denominator, Decree 118/2025: digitisation per document).

A paper is exempt when it is only shown (xuất trình) or classified (app.domain.catalog.Digitise); a
dossier submitted online brings its papers as files already. A dossier must be scanned when it came
on paper (directly or by post) and at least one of the papers received must be scanned. The counter's
projection (app.store.projection) and the server's push (server/sync/push.py) both keep this on the
dossier row (``scan_required``), from the reception decision's payload, so their figures agree.

What counts as *digitised* stays as before: at least one file attached to the dossier. "Every paper
to scan has its file" would need each attachment's ``requirement_index`` matched against the papers
received, per dossier and at every count — the counter has no column to keep that on (its client
migration is shared) and an attachment may arrive before its dossier from another counter; the
denominator is what the decree changed.
"""

from __future__ import annotations

from app.domain.contracts import DecisionPayload, DocumentPart, ReceivedPayload
from app.domain.indicators import Channel, channel_named


def _to_scan(document: DocumentPart) -> bool:
    return document.digitise == "required"


def scan_required(payload: DecisionPayload) -> bool:
    """Whether the dossier of this reception decision has a paper to scan.

    Online: no. Else any received paper that must be scanned (the papers of a received dossier are
    those it lists; of a supplement request or refusal, those ticked ``submitted``). A decision that
    lists no paper at all (none written by this version) keeps the old meaning: to scan.
    """
    if channel_named(getattr(payload, "channel", None)) is Channel.ONLINE:
        return False
    if isinstance(payload, ReceivedPayload):
        papers = payload.documents
    else:
        papers = [d for d in payload.documents if d.submitted]
    if not payload.documents:
        return True
    return any(_to_scan(d) for d in papers)
