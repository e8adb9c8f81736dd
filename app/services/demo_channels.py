"""The law of 2025 in the demo history (``motcua demo populate``): reception channels, the morning's
postal batch record, fees at reception and results sent back by post.

Every draw here comes from a generator of its own, seeded from the run's seed, so the same seed
gives the same history and these turns leave the rest of it (:mod:`app.services.demo_simulation`)
as its main generator makes it:

- **Channel** (DOMAIN.md §8, 3.3): about :attr:`DemoMix.online` of the receptions are online
  (recorded with ``channel="online"``: the papers come as files, so none is to scan), about
  :attr:`DemoMix.postal` come by post. The postal ones of a day are the items of one batch record
  signed with the postal worker in the morning (:func:`app.services.postal.sign_batch`); each is
  then received from that batch in postal mode, so its legal receipt time is the signing.
- **Fees**: a procedure's "before" lines are paid at reception through the reception's
  :class:`app.services.drafts.FeeChoice` (cash mostly, some by transfer, online for an online
  dossier); now and then the citizen is exempt, on a ground written down. The "after" lines are
  paid at the return (the simulation's ``_return``).
- **Return by post**: a result whose dossier asked for it goes back with a tracking number (S10).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.domain.catalog import Procedure
from app.domain.fees import PayMethod, PayWhen
from app.domain.postal import PostalBatchDraft, PostalItem, s10_check_digit
from app.services.context import Actor
from app.services.demo_mix import EXEMPTION_PROOFS, MIX, POSTAL_UNITS, POSTAL_WORKERS
from app.services.drafts import FeeChoice, PaymentDraft
from app.services.postal import sign_batch
from app.services.returns import PostalReturnDraft

DIRECT, ONLINE, POSTAL = "direct", "online", "postal"


class Law2025:
    """The 2025 turns of the demo: channel per receipt, the day's postal batch, fees, post returns."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"law2025-{seed}")
        self.serial = self.rng.randrange(10_000_000, 60_000_000)  # S10 serials: one run never repeats one
        self.pending: list[PostalItem] = []  # items of today's batch not received yet, in order
        self.count: Counter[str] = Counter()

    def item_number(self, service: str) -> str:
        """A fresh valid S10 number of Vietnam Post (``service``: "RR" registered item, "EB" result sent back)."""
        self.serial += 1
        serial = f"{self.serial:08d}"
        return f"{service}{serial}{s10_check_digit(serial)}VN"

    def channels(self, times: list[datetime], signing: datetime) -> list[str]:
        """The channel of each receipt of a day (``times``, in order). A postal one needs the batch
        record signed before it (``signing``); earlier ones come to the counter."""
        out = []
        for t in times:
            r = self.rng.random()
            out.append(ONLINE if r < MIX.online else POSTAL if r < MIX.online + MIX.postal and t > signing else DIRECT)
        return out

    def sign(self, session: Session, actor: Actor, now: datetime, items: int) -> None:
        """The morning's batch record, signed with the postal worker at ``now``: ``items`` items."""
        rng = self.rng
        worker, phone = rng.choice(POSTAL_WORKERS)
        numbers = tuple(self.item_number("RR") for _ in range(items))
        draft = PostalBatchDraft(rng.choice(POSTAL_UNITS), worker, now, numbers, phone)
        batch, _ = sign_batch(session, actor, draft, now)
        self.pending = [PostalItem(batch.batch_id, n) for n in numbers]
        self.count["postal_batches"] += 1

    def next_item(self) -> PostalItem:
        """The next item of the day's batch to receive."""
        return self.pending.pop(0)

    def back_by_post(self, channel: str) -> bool:
        """Whether a dossier come by post asks for its result by post as well."""
        return channel == POSTAL and self.rng.random() < MIX.postal_back_by_post

    def fee_choice(self, procedure: Procedure, channel: str, payer: str, now: datetime) -> FeeChoice | None:
        """The exemption (sometimes) and the payment of the "before" lines at reception."""
        schedule, rng = procedure.fees, self.rng
        if not schedule.lines:
            return None
        exemption_id = ground = ""
        if schedule.exemptions and rng.random() < MIX.fee_exemption:
            exemption = rng.choice(schedule.exemptions)
            proof = rng.choice(EXEMPTION_PROOFS).format(
                n=rng.randrange(1, 999), day=now - timedelta(days=rng.randrange(30, 900))
            )
            exemption_id, ground = exemption.id, f"{exemption.name}: {proof}"
        freed = set(schedule.exemption(exemption_id).lines) if exemption_id else set()  # type: ignore[union-attr]
        before = tuple(x.id for x in schedule.lines if x.when is PayWhen.BEFORE and x.id not in freed and x.amount)
        self.count["fee_exempt"] += bool(exemption_id)
        if not before:
            return FeeChoice(exemption_id, ground)
        if channel == ONLINE:
            method = PayMethod.ONLINE
        else:
            method = PayMethod.TRANSFER if rng.random() < MIX.fee_by_transfer else PayMethod.CASH
        self.count["fee_paid_at_reception"] += 1
        self.count[f"fee_paid_{method.value}"] += 1
        return FeeChoice(exemption_id, ground, PaymentDraft(before, method, payer))

    def postal_return(self, address: str) -> PostalReturnDraft:
        """The result and originals sent by post to ``address``, with a fresh tracking number."""
        self.count["returned_by_post"] += 1
        return PostalReturnDraft(self.item_number("EB"), address)
