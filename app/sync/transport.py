"""HTTP client of the sync protocol: bearer auth with one refresh on 401, every answer validated.

Failures map onto three kinds the caller can act on:

* :class:`OfflineError` — the server could not be reached (or answered 5xx): try again later;
* :class:`ServerError` — the server answered with an error; its Vietnamese message is shown as is;
  :class:`AuthRequiredError` (log in again) and :class:`RateLimitedError` are special cases;
* :class:`ProtocolError` — the answer is not what docs/SYNC-PROTOCOL.md promises (bad JSON,
  wrong schema): a version mismatch, reported clearly instead of crashing.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import date
from typing import Any, Literal, TypeVar

import httpx
import pydantic

from app.errors import UserFacingError
from app.sync import wire
from app.sync.crashpoint import crash_point
from app.sync.fee_wire import FeeReceiptReserveRequest, FeeReceiptReserveResponse
from app.sync.secrets import SecretName, SecretStore

log = logging.getLogger(__name__)

M = TypeVar("M", bound=pydantic.BaseModel)

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
LONG_POLL_WAIT_S = 25
ReportScope = Literal["province", "office"]
"""Whose figures a report asks for: the caller's office, or every office (admins)."""
USER_AGENT = "MotCuaDesk"


class OfflineError(UserFacingError):
    """The central server cannot be reached now (network down, timeout, server restarting)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("Mất kết nối máy chủ" + (f" ({detail})." if detail else "."))
        self.detail = detail


class ServerError(UserFacingError):
    """The server refused the request; ``message`` is its Vietnamese sentence."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class AuthRequiredError(ServerError):
    """No valid session any more (refresh token expired, revoked or missing): log in online again."""


class RateLimitedError(ServerError):
    """Too many attempts; ``retry_after_s`` from the server's Retry-After header."""

    def __init__(self, status: int, code: str, message: str, retry_after_s: float) -> None:
        super().__init__(status, code, message)
        self.retry_after_s = retry_after_s


class ProtocolError(UserFacingError):
    """The server's answer does not follow the sync protocol (likely a version mismatch)."""


def _short(exc: BaseException) -> str:
    return type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {str(exc)[:200]}"


def _parse(model: type[M], response: httpx.Response) -> M:
    try:
        return model.model_validate_json(response.content)
    except pydantic.ValidationError as exc:
        log.warning("%s %s: answer is not a %s: %s", response.request.method, response.request.url, model, exc)
        raise ProtocolError(
            f"Máy chủ trả lời không đúng giao thức đồng bộ ({response.request.url.path}: {exc.error_count()} lỗi"
            f" kiểm tra {model.__name__}). Có thể phiên bản máy chủ và phần mềm không khớp; hãy báo bộ phận CNTT."
        ) from exc


def parse_pull_page(response: httpx.Response) -> wire.PullResponse:
    """A pull page; one change the client cannot read never stops the page.

    The whole page is parsed at once (the usual case). Should that fail (a change this version
    cannot read, or nesting deeper than the fast parser's limit, as an old server may have
    stored), the page is read again change by change: a change that still fails is logged and
    left out, the others are kept, and the cursor moves on.

    Raises:
        ProtocolError: Not a pull page at all (no cursor, no list of changes).
    """
    try:
        return wire.FedPage.model_validate_json(response.content)
    except pydantic.ValidationError:
        pass
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        body = None
    changes = body.get("changes") if isinstance(body, dict) else None
    if not isinstance(body, dict) or not isinstance(changes, list):
        return _parse(wire.FedPage, response)  # raises ProtocolError with the details
    kept: list[wire.FedChange] = []
    for n, raw in enumerate(changes):
        try:
            kept.append(wire.FedChange.model_validate(raw))
        except pydantic.ValidationError as exc:
            event = raw.get("event") if isinstance(raw, dict) else None
            event_id = event.get("id") if isinstance(event, dict) else None
            log.error("pulled change %d (event %r) cannot be read, left out: %s", n, event_id,
                      exc.errors(include_input=False, include_url=False)[:1])  # fmt: skip
    try:
        page = wire.FedPage.model_validate({**body, "changes": []})
    except pydantic.ValidationError:
        return _parse(wire.FedPage, response)
    return page.model_copy(update={"changes": kept})


def _error(response: httpx.Response) -> UserFacingError:
    status = response.status_code
    try:
        body = wire.ErrorBody.model_validate_json(response.content)
    except pydantic.ValidationError:
        if status >= 500:
            return OfflineError(f"máy chủ đang gặp sự cố, mã {status}")
        if status == 401:
            return AuthRequiredError(status, "", "Phiên đăng nhập đồng bộ không còn hiệu lực. Hãy đăng nhập lại.")
        return ServerError(status, "", f"Máy chủ từ chối yêu cầu (mã {status}). Hãy báo bộ phận CNTT.")
    code, message = body.detail.code, body.detail.message
    if status == 429:
        try:
            retry = float(response.headers.get("Retry-After", "60"))
        except ValueError:
            retry = 60.0
        return RateLimitedError(status, code, message, retry)
    if status == 401:
        return AuthRequiredError(status, code, message)
    if status >= 500:
        return OfflineError(message)
    return ServerError(status, code, message)


def _offset(response: httpx.Response) -> int:
    try:
        return int(response.headers["Upload-Offset"])
    except (KeyError, ValueError) as exc:
        raise ProtocolError("Máy chủ không trả vị trí tải lên (Upload-Offset). Hãy báo bộ phận CNTT.") from exc


def make_client(base_url: str, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx client for the server at ``base_url`` (tests pass an in-process transport)."""
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        headers={"User-Agent": USER_AGENT},
        transport=transport,
        follow_redirects=False,
    )


def _send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request; transport failures become OfflineError, error statuses their error types."""
    try:
        response = client.request(method, url, **kwargs)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise UserFacingError(f"Địa chỉ máy chủ không hợp lệ: {client.base_url} ({exc}).") from exc
    except httpx.TransportError as exc:
        raise OfflineError(_short(exc)) from exc
    if response.status_code >= 400:
        raise _error(response)
    return response


def enrol(client: httpx.Client, code: str, counter_name: str) -> wire.EnrolResponse:
    """Enrol this PC with a one-time code an admin created (no session needed)."""
    body = wire.EnrolRequest(code=code.strip(), counter_name=counter_name.strip())
    return _parse(wire.EnrolResponse, _send(client, "POST", "/auth/enrol", json=body.model_dump(mode="json")))


class Transport:
    """The authenticated half of the protocol for one enrolled device.

    The access token lives in memory only; the refresh token and the device secret in the OS
    keyring (:class:`SecretStore`). Safe to use from two threads (sync and long-poll): a refresh
    happens once, under a lock.
    """

    def __init__(self, client: httpx.Client, device_id: str, secrets: SecretStore) -> None:
        self._client = client
        self.device_id = device_id
        self._secrets = secrets
        self._access_token: str | None = None
        self._lock = threading.Lock()
        self.on_session: Callable[[wire.Session], None] | None = None  # e.g. record server time

    @property
    def client(self) -> httpx.Client:
        return self._client

    def close(self) -> None:
        self._client.close()

    # --- identity -------------------------------------------------------------------------

    def _accept_session(self, session: wire.Session) -> wire.Session:
        # Keyring first: a crash after this line still has the new refresh token; a crash before
        # it is covered by the server's grace period for the previous token.
        self._secrets.set(SecretName.REFRESH_TOKEN, session.refresh_token)
        self._access_token = session.access_token
        if self.on_session is not None:
            self.on_session(session)
        return session

    def login(self, username: str, password: str) -> wire.Session:
        """Online login of an officer at this device; keeps the session for later requests."""
        body = wire.LoginRequest(
            username=username.strip().lower(),
            password=password,
            device_id=self.device_id,
            device_secret=self._secrets.require(SecretName.DEVICE_SECRET),
        )
        response = _send(self._client, "POST", "/auth/login", json=body.model_dump(mode="json"))
        with self._lock:
            return self._accept_session(_parse(wire.Session, response))

    def _refresh(self, stale: str | None) -> None:
        with self._lock:
            if self._access_token is not None and self._access_token != stale:
                return  # another thread refreshed meanwhile
            token = self._secrets.get(SecretName.REFRESH_TOKEN)
            if not token:
                raise AuthRequiredError(401, "no_session", "Chưa có phiên đăng nhập đồng bộ. Hãy đăng nhập trực tuyến.")
            body = wire.RefreshRequest(
                refresh_token=token,
                device_id=self.device_id,
                device_secret=self._secrets.require(SecretName.DEVICE_SECRET),
            )
            try:
                response = _send(self._client, "POST", "/auth/refresh", json=body.model_dump(mode="json"))
            except AuthRequiredError:
                self._secrets.delete(SecretName.REFRESH_TOKEN)
                self._access_token = None
                raise
            crash_point("after_refresh_answered")
            self._accept_session(_parse(wire.Session, response))

    @property
    def has_session(self) -> bool:
        """Whether an access token is held or a refresh token is stored."""
        return self._access_token is not None or bool(self._secrets.get(SecretName.REFRESH_TOKEN))

    def logout(self) -> None:
        """End the session at the server (best effort) and forget the tokens here."""
        token = self._access_token
        self._access_token = None
        self._secrets.delete(SecretName.REFRESH_TOKEN)
        if token is not None:
            try:
                _send(self._client, "POST", "/auth/logout", headers={"Authorization": f"Bearer {token}"})
            except UserFacingError as exc:
                log.info("logout at the server failed: %s", exc)

    def change_password(self, officer_id: str, old_password: str, new_password: str) -> wire.PasswordChanged:
        """``POST /auth/password``: the signed-in officer's new password; the session goes on.

        Raises:
            ServerError: 403 ``wrong_password`` or ``officer_mismatch`` (this PC's session is another
                officer's), 422 ``weak_password``; RateLimitedError after too many wrong passwords.
            OfflineError: the server cannot be reached.
        """
        body = wire.PasswordChangeRequest(officer_id=officer_id, old_password=old_password, new_password=new_password)
        return _parse(wire.PasswordChanged, self._authed("POST", "/auth/password", json=body.model_dump(mode="json")))

    def _bearer(self, method: str, url: str, headers: dict[str, str] | None, **kwargs: Any) -> httpx.Response:
        auth = {"Authorization": f"Bearer {self._access_token}"}
        return _send(self._client, method, url, headers={**(headers or {}), **auth}, **kwargs)

    def _authed(self, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        """A bearer request; on 401 refresh the session once and repeat."""
        if self._access_token is None:
            self._refresh(None)
        token = self._access_token
        try:
            return self._bearer(method, url, headers, **kwargs)
        except AuthRequiredError:
            self._refresh(token)
        try:
            return self._bearer(method, url, headers, **kwargs)
        except AuthRequiredError:
            self._access_token = None
            raise

    # --- sync -----------------------------------------------------------------------------

    def push(self, events: list[wire.EventWire]) -> wire.PushResponse:
        body = wire.PushRequest(device_id=self.device_id, events=events)
        response = self._authed("POST", "/sync/push", json=body.model_dump(mode="json"))
        result = _parse(wire.PushResponse, response)
        if [r.event_id for r in result.results] != [e.id for e in events]:
            raise ProtocolError("Máy chủ trả kết quả đồng bộ không khớp với các sự kiện đã gửi. Hãy báo bộ phận CNTT.")
        return result

    def pull(self, cursor: str, *, limit: int = wire.MAX_PUSH_BATCH, wait: int = 0) -> wire.PullResponse:
        timeout = httpx.Timeout(READ_TIMEOUT_S + wait, connect=CONNECT_TIMEOUT_S)
        params: dict[str, str | int] = {"cursor": cursor, "limit": limit, "wait": wait}
        return parse_pull_page(self._authed("GET", "/sync/pull", params=params, timeout=timeout))

    def reserve(self, request_id: str, days: list[date], size: int) -> wire.ReserveResponse:
        body = wire.ReserveRequest(request_id=request_id, device_id=self.device_id, days=days, size=size)
        return _parse(wire.ReserveResponse, self._authed("POST", "/codes/reserve", json=body.model_dump(mode="json")))

    def reserve_fee_receipts(self, request_id: str, year: int, size: int) -> FeeReceiptReserveResponse:
        """Fee receipt numbers for this device's unit and ``year`` (``POST /fees/receipts/reserve``)."""
        body = FeeReceiptReserveRequest(request_id=request_id, device_id=self.device_id, year=year, size=size)
        answer = self._authed("POST", "/fees/receipts/reserve", json=body.model_dump(mode="json"))
        return _parse(FeeReceiptReserveResponse, answer)

    def conflicts(self, state: wire.ConflictState = "open", limit: int = 200) -> wire.ConflictList:
        """The office's conflicts (``GET /conflicts``; supervisor or admin, else a 403 ServerError)."""
        params: dict[str, str | int] = {"state": state, "limit": limit}
        return _parse(wire.ConflictList, self._authed("GET", "/conflicts", params=params))

    def resolve_conflict(self, conflict_id: str, resolution: str) -> wire.ConflictWire:
        """Record a supervisor's resolution (``POST /conflicts/{id}/resolve``); idempotent for the same text."""
        body = wire.ResolveRequest(resolution=resolution)
        url = f"/conflicts/{conflict_id}/resolve"
        return _parse(wire.ConflictWire, self._authed("POST", url, json=body.model_dump(mode="json")))

    # --- reports (issue 14, item 6) ----------------------------------------------------------

    def kpi(self, start: date, end: date, scope: ReportScope = "office") -> wire.KpiResponse:
        """The period's indicators counted by the server (``GET /reports/kpi``).

        Raises:
            ServerError: 403 for an officer, or for a supervisor asking for the province; 422 for a bad period.
        """
        params = {"from": start.isoformat(), "to": end.isoformat(), "scope": scope}
        return _parse(wire.KpiResponse, self._authed("GET", "/reports/kpi", params=params))

    def period_report(self, start: date, end: date, scope: ReportScope = "office") -> wire.PeriodReportResponse:
        """Biểu II.06a of the period counted by the server (``GET /reports/period``); errors as :meth:`kpi`."""
        params = {"from": start.isoformat(), "to": end.isoformat(), "scope": scope}
        return _parse(wire.PeriodReportResponse, self._authed("GET", "/reports/period", params=params))

    # --- attachments (docs/SYNC-PROTOCOL.md, Attachments) -----------------------------------

    def upload_offset(self, sha256: str) -> tuple[int, bool] | None:
        """``HEAD /attachments/{sha}``: (bytes the server holds, verified), or None when it has none."""
        try:
            response = self._authed("HEAD", f"/attachments/{sha256}")
        except ServerError as exc:
            if exc.status == 404:
                return None
            raise
        return _offset(response), response.headers.get("Upload-Complete") == "1"

    def upload_chunk(self, sha256: str, offset: int, chunk: bytes) -> int:
        """``PATCH /attachments/{sha}`` one chunk at ``offset``; returns the server's new offset.

        Raises:
            ServerError: ``offset_mismatch`` (ask :meth:`upload_offset`), ``already_complete``,
                ``too_large``.
        """
        headers = {"Upload-Offset": str(offset), "Content-Type": "application/octet-stream"}
        response = self._authed("PATCH", f"/attachments/{sha256}", headers=headers, content=chunk)
        return _offset(response)

    def complete_upload(self, sha256: str, size: int) -> int:
        """``POST /attachments/{sha}/complete``: the server hashes the whole file; returns its size.

        Raises:
            ServerError: ``hash_mismatch`` (the server dropped the upload: start again from 0),
                404 (the server holds nothing under this hash).
        """
        body = wire.AttachmentComplete(size=size)
        response = self._authed("POST", f"/attachments/{sha256}/complete", json=body.model_dump(mode="json"))
        try:
            return int(response.json()["size"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ProtocolError("Máy chủ trả lời không đúng giao thức khi hoàn tất tải tệp lên.") from exc

    def download(self, sha256: str) -> bytes:
        """``GET /attachments/{sha}``: the verified file (ServerError 404 when the server lacks it)."""
        timeout = httpx.Timeout(READ_TIMEOUT_S * 4, connect=CONNECT_TIMEOUT_S)
        return self._authed("GET", f"/attachments/{sha256}", timeout=timeout).content

    def reference(self, etag: str = "") -> tuple[wire.Reference | None, str]:
        """The office's reference data and its ETag; (None, etag) when unchanged since ``etag``."""
        headers = {"If-None-Match": etag} if etag else {}
        response = self._authed("GET", "/reference", headers=headers)
        if response.status_code == 304:
            return None, etag
        return _parse(wire.Reference, response), response.headers.get("ETag", "")
