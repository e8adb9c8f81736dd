"""Request-scoped dependencies shared by every router: database session and the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["officer", "supervisor", "admin"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, from a verified access token (server/auth.py builds it).

    Every router checks ``unit_code`` against the office of what it reads or writes, and
    ``role`` against what the endpoint allows; ``device_id`` against the body's device id.
    """

    officer_id: str
    username: str
    role: Role
    unit_code: str
    device_id: str
