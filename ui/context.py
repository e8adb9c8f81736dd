"""What the composition root hands to every screen (constructor injection, no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.domain.calendar import WorkingCalendar
from app.domain.catalog import Catalog
from app.services.context import Actor
from app.services.office import OfficeInfo
from ui.changes import ChangeBus
from ui.ops import OpRunner
from ui.prompts import Prompts


@dataclass
class UiContext:
    """Shared services of a logged-in session."""

    factory: sessionmaker[Session]
    runner: OpRunner
    bus: ChangeBus
    catalog: Catalog
    calendar: WorkingCalendar
    office: OfficeInfo
    actor: Actor
    prompts: Prompts
    clock: Callable[[], datetime] = datetime.now
