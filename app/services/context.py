"""Who is acting, where: passed to every use case that writes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Officer roles."""

    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"officer": "Cán bộ một cửa", "supervisor": "Lãnh đạo, giám sát", "admin": "Quản trị"}[self]


@dataclass(frozen=True, slots=True)
class Actor:
    """The logged-in officer at this device (counter)."""

    officer_id: str
    username: str
    full_name: str
    role: Role
    device_id: str
    counter_name: str
    unit_code: str
    office_name: str
