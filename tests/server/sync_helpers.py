"""Helpers for the sync server tests: a logged-in counter that builds, pushes and pulls events."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.domain.events import new_id
from app.sync.wire import EnrolResponse
from tests.server.conftest import Srv, bearer

DAY = date(2026, 11, 23)
RECEIVED_AT = datetime(2026, 11, 23, 9, 15)
_clock = itertools.count(1_790_000_000_000)


def procedure(code: str = "1.001612") -> dict[str, Any]:
    """A procedure section as the client writes it (reception._procedure_payload)."""
    return {
        "code": code,
        "name": "Đăng ký khai sinh",
        "field": "Hộ tịch",
        "level": "commune",
        "department_code": "TP",
        "department_name": "Phòng Tư pháp",
        "processing": {"value": 1, "unit": "working_days", "cutoff": None},
        "processing_text": "01 ngày làm việc",
        "fee_text": "Miễn lệ phí",
        "legal_basis": "Luật Hộ tịch 2014",
    }


def applicant(personal_id: str = "001090012345", name: str = "Nguyễn Văn An") -> dict[str, str]:
    return {
        "full_name": name,
        "personal_id": personal_id,
        "birth_date": "1990-01-01",
        "sex": "Nam",
        "address": "Phường Hồng Gai, Hạ Long",
        "phone": "0912345678",
        "email": "",
    }


@dataclass
class Counter:
    """One enrolled PC with a logged-in officer: writes events the way the client does."""

    srv: Srv
    device: EnrolResponse
    username: str
    session: dict[str, Any] = field(default_factory=dict)
    seq: int = 0

    def __post_init__(self) -> None:
        self.session = self.srv.login(self.username, self.device)

    @property
    def unit(self) -> str:
        return self.device.unit_code

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.session)

    def event(
        self, type_: str, payload: dict[str, Any], dossier_uid: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """The next event of this device as a wire dict (gap-free sequence, HLC)."""
        self.seq += 1
        body = {
            "id": new_id(),
            "device_id": self.device.device_id,
            "device_seq": self.seq,
            "type": type_,
            "dossier_uid": dossier_uid or new_id(),
            "base_version": 0,
            "officer_id": self.session["officer"]["id"],
            "officer_name": self.session["officer"]["full_name"],
            "occurred_at": RECEIVED_AT.isoformat(),
            "hlc": f"{next(_clock):013d}:00000:{self.device.device_id}",
            "payload": payload,
        }
        body.update(extra)
        return body

    def received(
        self,
        number: int,
        *,
        personal_id: str = "001090012345",
        procedure_code: str = "1.001612",
        day: date = DAY,
        dossier_uid: str | None = None,
    ) -> dict[str, Any]:
        """A ``dossier.received`` event with code ``<unit>-<day>-<number>``."""
        code = f"{self.unit}-{day:%y%m%d}-{number:04d}"
        payload = {
            "code": code,
            "unit_code": self.unit,
            "counter_name": "Quầy số 01",
            "procedure": procedure(procedure_code),
            "applicant": applicant(personal_id),
            "documents": [{"name": "Tờ khai", "form_label": "", "copies": 1, "required": True}],
            "sets": 1,
            "return_method": "Bộ phận Một cửa (nhận trực tiếp)",
            "note": "",
            "received_at": datetime.combine(day, RECEIVED_AT.time()).isoformat(),
            "due_at": datetime.combine(day, RECEIVED_AT.time()).isoformat(timespec="minutes"),
            "register_book": f"{day.year}",
            "register_no": number,
            "daily_seq": number,
        }
        return self.event("dossier.received", payload, dossier_uid)

    def not_received(
        self, kind: str, dossier_uid: str | None = None, personal_id: str = "001090012345"
    ) -> dict[str, Any]:
        """A ``dossier.supplement_requested`` or ``dossier.refused`` event (no code)."""
        payload: dict[str, Any] = {
            "code": None,
            "unit_code": self.unit,
            "counter_name": "Quầy số 01",
            "procedure": procedure(),
            "applicant": applicant(personal_id),
            "documents": [],
            "received_at": RECEIVED_AT.isoformat(),
            "reason": "Thiếu giấy tờ",
        }
        if kind == "dossier.supplement_requested":
            payload["items"] = ["Bản sao giấy chứng sinh"]
        return self.event(kind, payload, dossier_uid)

    def printed(self, dossier_uid: str) -> dict[str, Any]:
        return self.event(
            "form.printed",
            {"form": "01", "form_title": "Giấy tiếp nhận", "output": "printer", "reprint": False},
            dossier_uid,
        )

    def push_raw(self, events: list[dict[str, Any]]) -> Any:
        return self.srv.client.post(
            "/sync/push", json={"device_id": self.device.device_id, "events": events}, headers=self.headers
        )

    def push(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Push and return the results (asserting 200 and one result per event, in order)."""
        answer = self.push_raw(events)
        assert answer.status_code == 200, answer.text
        results: list[dict[str, Any]] = answer.json()["results"]
        assert [r["event_id"] for r in results] == [e["id"] for e in events]
        return results

    def pull(self, cursor: str = "", limit: int = 500, wait: float = 0) -> dict[str, Any]:
        """One page (a committed change is readable at once: server.sync.feed)."""
        answer = self.srv.client.get(
            "/sync/pull", params={"cursor": cursor, "limit": limit, "wait": wait}, headers=self.headers
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def pull_all(self, cursor: str = "", limit: int = 500) -> tuple[list[dict[str, Any]], str]:
        """Every change after ``cursor``, following ``more``."""
        changes: list[dict[str, Any]] = []
        while True:
            page = self.pull(cursor, limit)
            changes += page["changes"]
            cursor = page["cursor"]
            if not page["more"]:
                return changes, cursor

    def reserve(self, days: list[date], size: int, request_id: str | None = None) -> Any:
        body = {
            "request_id": request_id or new_id(),
            "device_id": self.device.device_id,
            "days": [d.isoformat() for d in days],
            "size": size,
        }
        return self.srv.client.post("/codes/reserve", json=body, headers=self.headers)


def statuses(results: list[dict[str, Any]]) -> list[str]:
    return [r["status"] for r in results]
