"""What the composition root hands to every screen (constructor injection, no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from app.domain.calendar import WorkingCalendar
from app.domain.catalog import Catalog
from app.domain.office import OfficeInfo
from app.services.context import Actor
from ui.changes import ChangeBus
from ui.ops import OpRunner
from ui.prompts import Prompts

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.scanning.blobs import BlobStore
    from app.sync.transport import Transport


@dataclass
class UiContext:
    """Shared services of a logged-in session."""

    factory: Callable[[], Session]  # a sessionmaker, or ui.main.StoreLoader while the store opens
    runner: OpRunner
    bus: ChangeBus
    catalog: Catalog
    calendar: WorkingCalendar
    office: OfficeInfo
    actor: Actor
    prompts: Prompts
    clock: Callable[[], datetime] = datetime.now
    blobs: BlobStore | None = None  # attachment files, <data_dir>/attachments
    blob_transport: Transport | None = None  # fetches attachments this PC lacks (enrolled PCs)
