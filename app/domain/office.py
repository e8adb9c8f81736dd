"""Which office this PC serves and which counter it is (plain data, no database)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OfficeInfo:
    """The office this PC serves and this PC's counter."""

    unit_code: str
    name: str
    governing_body: str
    place_name: str
    demo: bool
    device_id: str
    counter_name: str
