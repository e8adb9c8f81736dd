"""Test support for sync: an in-memory keyring backend and an in-memory stand-in for the server."""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from app.domain.events import new_id
from app.sync import wire
from tests.conftest import NOW


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps values in a dict: behaves like the OS keyring for one process."""

    # 0: never picked by keyring's own discovery (the chainer), only when a test sets it explicitly.
    priority = 0  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.values:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.values[(service, username)]


@contextmanager
def keyring_backend(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """Make ``backend`` the process's keyring for the duration of the block."""
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)


# --- an in-memory stand-in for the central server (httpx.MockTransport) ----------------------
# Follows docs/SYNC-PROTOCOL.md closely enough to test the client before (and alongside) the
# real server; every request body is validated with the same wire models the server uses.


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def _err(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return _json(status, {"detail": {"code": code, "message": message}}, headers)


@dataclass
class FakeOfficer:
    id: str
    username: str
    password: str
    full_name: str
    role: str
    unit_code: str


@dataclass
class FakeServer:
    """Handles httpx requests like the central server would (one office per unit code)."""

    unit_code: str = "000.01.00.H49"
    office_name: str = "Trung tâm Phục vụ hành chính công (thử nghiệm)"
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    officers: dict[str, FakeOfficer] = field(default_factory=dict)
    enrol_codes: set[str] = field(default_factory=set)
    devices: dict[str, tuple[str, int]] = field(default_factory=dict)  # id → (secret, slot)
    access: dict[str, tuple[str, str]] = field(default_factory=dict)  # token → (officer id, device id)
    refresh: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)  # → (officer, device, successor)
    changes: list[tuple[wire.EventWire, datetime]] = field(default_factory=list)
    results: dict[str, wire.PushResult] = field(default_factory=dict)
    issued: dict[date, int] = field(default_factory=dict)
    reservations: dict[str, list[wire.CodeBlock]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    offline: bool = False
    lose_next_response: bool = False  # the next request is processed but its answer never arrives
    reject_types: set[str] = field(default_factory=set)
    reject_ids: set[str] = field(default_factory=set)
    page_limit: int = 1000  # the server's own cap on a pull page
    fail_pulls_after: int | None = None  # answer 503 to pulls after this many more
    block_size_cap: int = 2000
    garbage: bool = False

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.add_officer("canbo", "matkhau-2026", "Nguyễn Thị Thuỳ Dương")

    def add_officer(self, username: str, password: str, full_name: str, role: str = "officer") -> FakeOfficer:
        officer = FakeOfficer(new_id(), username, password, full_name, role, self.unit_code)
        self.officers[username] = officer
        return officer

    def new_enrol_code(self) -> str:
        code = secrets.token_hex(6).upper()
        self.enrol_codes.add(code)
        return code

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.Client:
        from app.sync.transport import make_client

        return make_client("http://motcua.test", self.transport())

    def expire_access_tokens(self) -> None:
        self.access.clear()

    # --- dispatch ---------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            if self.offline:
                raise httpx.ConnectError("connection refused", request=request)
            if self.garbage:
                return httpx.Response(200, content=b"<html>proxy login</html>")
            route = {
                ("POST", "/auth/enrol"): self._enrol,
                ("POST", "/auth/login"): self._login,
                ("POST", "/auth/refresh"): self._refresh,
                ("POST", "/auth/logout"): self._logout,
                ("POST", "/sync/push"): self._push,
                ("GET", "/sync/pull"): self._pull,
                ("POST", "/codes/reserve"): self._reserve,
            }.get((request.method, request.url.path))
            if route is None:
                return _err(404, "not_found", "Không tìm thấy.")
            response = route(request)
            if self.lose_next_response:
                self.lose_next_response = False
                raise httpx.ReadTimeout("the answer was lost", request=request)
            return response

    def _principal(self, request: httpx.Request) -> tuple[str, str] | None:
        auth = request.headers.get("Authorization", "")
        return self.access.get(auth.removeprefix("Bearer "))

    def _session(self, officer: FakeOfficer, device_id: str) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(40)
        self.access[access] = (officer.id, device_id)
        self.refresh[refresh] = (officer.id, device_id, None)
        grant = wire.OfflineGrant(
            officer_id=officer.id,
            device_id=device_id,
            issued_at=self.now,
            expires_at=self.now + timedelta(hours=72),
            signature=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        )
        session = wire.Session(
            access_token=access,
            access_expires_at=self.now + timedelta(minutes=15),
            refresh_token=refresh,
            officer=wire.OfficerInfo(
                id=officer.id,
                username=officer.username,
                full_name=officer.full_name,
                role=officer.role,
                unit_code=officer.unit_code,
            ),
            server_time=self.now,
            offline_grant=grant,
        )
        return session.model_dump(mode="json")

    def _enrol(self, request: httpx.Request) -> httpx.Response:
        body = wire.EnrolRequest.model_validate_json(request.content)
        if body.code not in self.enrol_codes:
            return _err(400, "bad_code", "Mã đăng ký máy trạm không đúng hoặc đã hết hạn.")
        self.enrol_codes.discard(body.code)
        device_id = new_id()
        secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        self.devices[device_id] = (secret, len(self.devices))
        return _json(200, wire.EnrolResponse(device_id=device_id, device_secret=secret, unit_code=self.unit_code,
                                             office_name=self.office_name, slot=len(self.devices) - 1
                                             ).model_dump(mode="json"))  # fmt: skip

    def _login(self, request: httpx.Request) -> httpx.Response:
        body = wire.LoginRequest.model_validate_json(request.content)
        officer = self.officers.get(body.username)
        if self.devices.get(body.device_id, ("",))[0] != body.device_secret:
            return _err(401, "bad_device", "Máy trạm chưa được đăng ký với máy chủ.")
        if officer is None or officer.password != body.password:
            return _err(401, "bad_credentials", "Sai tên đăng nhập hoặc mật khẩu.")
        return _json(200, self._session(officer, body.device_id))

    def _refresh(self, request: httpx.Request) -> httpx.Response:
        body = wire.RefreshRequest.model_validate_json(request.content)
        entry = self.refresh.get(body.refresh_token)
        if entry is None or self.devices.get(body.device_id, ("",))[0] != body.device_secret:
            return _err(401, "refresh_invalid", "Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại.")
        officer_id, device_id, successor = entry
        officer = next(o for o in self.officers.values() if o.id == officer_id)
        if successor is not None:
            # The protocol's grace: a retry with the previous token (its answer was lost) gets the
            # same successor, with a fresh access token. (The fake has no clock: always in grace.)
            if successor not in self.refresh or self.refresh[successor][2] is not None:
                return _err(401, "refresh_reused", "Phiên đăng nhập đã bị thu hồi. Hãy đăng nhập lại.")
            session = self._session(officer, device_id)
            del self.refresh[session["refresh_token"]]
            session["refresh_token"] = successor
            return _json(200, session)
        session = self._session(officer, device_id)
        self.refresh[body.refresh_token] = (officer_id, device_id, session["refresh_token"])
        return _json(200, session)

    def _logout(self, request: httpx.Request) -> httpx.Response:
        self.access.pop(request.headers.get("Authorization", "").removeprefix("Bearer "), None)
        return httpx.Response(204)

    def _push(self, request: httpx.Request) -> httpx.Response:
        if (who := self._principal(request)) is None:
            return _err(401, "token_expired", "Phiên làm việc đã hết hạn.")
        body = wire.PushRequest.model_validate_json(request.content)
        if body.device_id != who[1]:
            return _err(403, "device_mismatch", "Máy trạm không khớp với phiên đăng nhập.")
        out = []
        for event in body.events:
            if event.id in self.results:
                out.append(self.results[event.id].model_copy(update={"status": "duplicate"}))
                continue
            if event.type in self.reject_types or event.id in self.reject_ids:
                result = wire.PushResult(event_id=event.id, status="rejected", reason="Loại sự kiện không hợp lệ.")
            else:
                self.changes.append((event, self.now))
                result = wire.PushResult(event_id=event.id, status="accepted")
            self.results[event.id] = result
            out.append(result)
        return _json(200, wire.PushResponse(results=out, server_time=self.now).model_dump(mode="json"))

    def _pull(self, request: httpx.Request) -> httpx.Response:
        if self._principal(request) is None:
            return _err(401, "token_expired", "Phiên làm việc đã hết hạn.")
        if self.fail_pulls_after is not None:
            if self.fail_pulls_after <= 0:
                return _err(503, "unavailable", "Máy chủ đang bảo trì.")
            self.fail_pulls_after -= 1
        cursor = int(request.url.params.get("cursor") or 0)
        limit = min(self.page_limit, int(request.url.params.get("limit", "500")))
        page = self.changes[cursor : cursor + limit]
        changes = [wire.Change(kind="event", event=e, server_received_at=at) for e, at in page]
        nxt = cursor + len(page)
        body = wire.PullResponse(changes=changes, cursor=str(nxt), more=nxt < len(self.changes), server_time=self.now)
        return _json(200, body.model_dump(mode="json"))

    def _reserve(self, request: httpx.Request) -> httpx.Response:
        if (who := self._principal(request)) is None:
            return _err(401, "token_expired", "Phiên làm việc đã hết hạn.")
        body = wire.ReserveRequest.model_validate_json(request.content)
        if body.device_id != who[1]:
            return _err(403, "device_mismatch", "Máy trạm không khớp với phiên đăng nhập.")
        if body.request_id not in self.reservations:
            blocks = []
            for day in body.days:
                first = self.issued.get(day, 0) + 1
                last = min(wire.SERVER_BLOCK_MAX, first + min(body.size, self.block_size_cap) - 1)
                if first <= last:
                    self.issued[day] = last
                    blocks.append(wire.CodeBlock(unit_code=self.unit_code, day=day, first=first, last=last))
            self.reservations[body.request_id] = blocks
        blocks = self.reservations[body.request_id]
        return _json(200, wire.ReserveResponse(blocks=blocks).model_dump(mode="json"))

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.url.path == path]


@dataclass
class Counter:
    """One enrolled counter PC: its own database (copied from the seeded template), enrolled and
    logged in against ``server_url`` (the fake server's transport, or a real server's URL)."""

    folder: Path
    factory: Any
    client: Any
    actor: Any
    clock: list[datetime]

    @classmethod
    def enrol(
        cls,
        folder: Path,
        template_db: Path,
        enrol_code: str,
        name: str,
        *,
        server_url: str = "http://motcua.test",
        http: httpx.BaseTransport | None = None,
        username: str = "canbo",
        password: str = "matkhau-2026",
    ) -> Counter:
        from app.store.db import open_database, session_factory
        from app.sync.boot import read_enrolment
        from app.sync.client import SyncClient, enrol_this_pc

        folder.mkdir(parents=True)
        path = folder / "motcua.db"
        shutil.copy(template_db, path)
        factory = session_factory(open_database(path))
        enrol_this_pc(folder, factory, server_url, enrol_code, name, http=http)
        enrolment = read_enrolment(path)
        assert enrolment is not None
        client = SyncClient.open(folder, enrolment, http=http)
        actor, online = client.login(factory, username, password)
        assert online
        return cls(folder, factory, client, actor, [datetime.now(UTC).replace(tzinfo=None)])

    def engine(self, today: date | None = None) -> Any:
        day = today or NOW.date()
        return self.client.engine(self.factory, clock=lambda: self.clock[0], local_today=lambda: day)

    def close(self) -> None:
        self.client.close()

    def restart(self, http: httpx.BaseTransport | None = None) -> Counter:
        """The same PC after a restart: same database and keyring, no access token in memory."""
        from app.sync.boot import read_enrolment
        from app.sync.client import SyncClient

        enrolment = read_enrolment(self.folder / "motcua.db")
        assert enrolment is not None
        return Counter(self.folder, self.factory, SyncClient.open(self.folder, enrolment, http=http), self.actor,
                       self.clock)  # fmt: skip

    def receive(self, catalog: Any, name: str = "Nguyễn Văn An", personal_id: str = "022090001234") -> Any:
        from app.services.applicant import ApplicantDraft
        from app.services.drafts import ReceptionDraft, checklist
        from app.services.office import load_calendar
        from app.services.reception import receive_dossier
        from app.store.db import transaction

        procedure = catalog.get("2.000635")
        docs = tuple(dataclasses.replace(d, submitted=True) for d in checklist(procedure))
        sex = "Nữ" if int(personal_id[3]) % 2 else "Nam"  # the ID's fourth digit encodes sex and century
        applicant = ApplicantDraft(full_name=name, personal_id=personal_id, birth_date=date(1990, 1, 1), sex=sex,
                                   address="Phường Hồng Gai, Quảng Ninh", phone="0912345678", email="")  # fmt: skip
        draft = ReceptionDraft(procedure_code=procedure.code, applicant=applicant, documents=docs)
        with transaction(self.factory) as session:
            return receive_dossier(session, self.actor, catalog, load_calendar(session), draft, NOW)[0]
