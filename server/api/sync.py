"""Sync routes: push, pull (long-poll), dossier code blocks, conflicts, attachments.

No database connection is ever held across an ``await``: the caller is authenticated in one
thread-pool call with a session of its own (:func:`sync_principal`, which runs
``server.deps.require_principal`` and commits), and each piece of database work is one
thread-pool call that opens, commits and closes its own session. Holding a connection while
waiting for a thread (the request-wide ``DbSession``) deadlocks under load once the thread pool
(40) is larger than the connection pool (30): threads wait for connections that are held by
requests waiting for threads. It also keeps transactions short, so no transaction id holds back
the PostgreSQL pull horizon while a body uploads or a pull waits. A waiting pull holds neither a
thread nor a connection.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from app.sync.fee_wire import FeeReceiptReserveRequest, FeeReceiptReserveResponse
from app.sync.wire import (
    MAX_PULL_PAGE,
    AttachmentComplete,
    PullResponse,
    PushRequest,
    PushResponse,
    ReserveRequest,
    ReserveResponse,
)
from server.api.errors import responses
from server.config import Settings
from server.context import ServerContext
from server.deps import Principal, check_device, require_principal
from server.errors import ApiError, forbidden, not_found
from server.repositories import identity
from server.storage import AttachmentStore, StoreUnavailableError, open_store
from server.sync import attachments, codes, conflicts, fee_receipts, feed
from server.sync.body import BodyError, read_json
from server.sync.devices import record_pull
from server.sync.push import BatchError, Pusher, PushOutcome, parse_batch, push
from server.sync.runtime import SyncRuntime

_JSON = "application/json"
SHA256_PATH = Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file, lower-case hex")
UUID_PATH = Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_runtime_lock = threading.Lock()
T = TypeVar("T")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Everything loaded at start-up (SQLAlchemy, pydantic, FastAPI, the catalog…) lives as long
    # as the process: keep it out of the garbage collector's full passes, which otherwise
    # scan it all again and again (measured: 0.4–0.9 s pauses of every request under load).
    gc.collect()
    gc.freeze()
    yield
    runtime: SyncRuntime | None = getattr(app.state, "sync", None)
    if runtime is not None:
        runtime.close()


router = APIRouter(tags=["sync"], lifespan=_lifespan)


async def get_ctx(request: Request) -> ServerContext:
    """``app.state.ctx`` (async: a plain attribute read needs no thread-pool hop)."""
    ctx: ServerContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServerContext, Depends(get_ctx)]


async def get_runtime(request: Request) -> SyncRuntime:
    """The process's :class:`SyncRuntime` (``app.state.sync``), created on first use."""
    state = request.app.state
    runtime: SyncRuntime | None = getattr(state, "sync", None)
    if runtime is None:
        with _runtime_lock:
            runtime = getattr(state, "sync", None)
            if runtime is None:
                ctx: ServerContext = state.ctx
                runtime = SyncRuntime(ctx.engine, ctx.settings.data_dir)
                state.sync = runtime
    return runtime


Runtime = Annotated[SyncRuntime, Depends(get_runtime)]
_bearer = HTTPBearer(auto_error=False, description="Access token from POST /auth/login or /auth/refresh.")


def _verify(ctx: ServerContext, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    with ctx.factory() as session:
        principal = require_principal(ctx, session, credentials)
        session.commit()
    return principal


async def sync_principal(
    ctx: Ctx, runtime: Runtime, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The caller, verified by ``server.deps.require_principal`` on a session of its own.

    Checked in the database on every request (one query, on the sync threads), never remembered:
    a logout, deactivation or revoked device through any server process stops the token at once
    in every process (docs/SYNC-PROTOCOL.md, "Kết thúc phiên").
    """
    return await runtime.run(_verify, ctx, credentials)


Caller = Annotated[Principal, Depends(sync_principal)]


def supervisor(principal: Caller) -> Principal:
    """The caller if a supervisor or admin (403 ``forbidden`` otherwise)."""
    if principal.role not in ("supervisor", "admin"):
        raise forbidden()
    return principal


Supervisor = Annotated[Principal, Depends(supervisor)]


def _json_response(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(model.model_dump_json(), status_code=status, media_type=_JSON, headers=headers)


def _too_large(limit: int) -> ApiError:
    """413 naming the limit: "tối đa 8 MiB" (push), "tối đa 4 MiB" (an attachment chunk)."""
    size = f"{limit} byte"
    if limit % 2**20 == 0:
        size = f"{limit // 2**20} MiB"
    elif limit >= 1024:
        size = f"{limit // 1024} KiB"
    return ApiError(
        413, "too_large", f"Dữ liệu gửi lên quá lớn (tối đa {size} mỗi lần gửi). Hãy gửi thành nhiều phần nhỏ hơn."
    )


async def _read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


# --- push -----------------------------------------------------------------------------------


def _push_body() -> dict[str, Any]:
    # The body is read by hand (one bad event must not fail the batch) but documented as the
    # wire model; its EventWire is in the components already (PullResponse uses it).
    schema = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {"requestBody": {"required": True, "content": {_JSON: {"schema": schema}}}}


def _push(ctx: ServerContext, runtime: SyncRuntime, principal: Principal, raw: bytes) -> tuple[PushOutcome, datetime]:
    try:
        # NaN/Infinity become a marker the contracts refuse (that event alone is rejected); too
        # deep a body or not JSON at all is refused whole.
        body = read_json(raw)
    except BodyError as exc:
        raise ApiError(422, "invalid_request", exc.message) from None
    try:
        batch = parse_batch(body, may_hold_nul=b"\\u0000" in raw)
    except BatchError as exc:
        raise ApiError(422, "invalid_batch", f"Lô sự kiện gửi lên không hợp lệ ({exc}).") from None
    # The token's device is the body's device, and require_principal checked that it is an
    # active device of the caller's office; only its slot (fixed at enrolment) is needed here.
    check_device(principal, batch.device_id)
    with ctx.factory() as session:
        slot = runtime.device_slot(batch.device_id)
        if slot is None:
            device = identity.device(session, batch.device_id)
            if device is None or device.unit_code != principal.unit_code:
                raise forbidden("device_mismatch", "Máy trạm này không thuộc đơn vị của tài khoản đăng nhập.")
            slot = runtime.remember_slot(device.id, device.slot)
        now = ctx.clock()
        postgres = ctx.engine.dialect.name == "postgresql"
        pusher = Pusher(principal.unit_code, batch.device_id, slot, now, postgres, ctx.settings.clock_skew_flag_seconds)
        outcome = push(session, pusher, batch)
        session.commit()
    return outcome, now


@router.post(
    "/sync/push",
    response_model=PushResponse,
    responses=responses(401, 403, 413, 422),
    openapi_extra=_push_body(),
    summary="Push a batch of events (one result per event)",
)
async def push_events(request: Request, principal: Caller, ctx: Ctx, runtime: Runtime) -> Response:
    """Store and apply a device's events: accepted, duplicate, flagged or rejected, each on its own.

    A malformed event is answered ``rejected`` and the others go on; only a body that is not a
    batch at all (or events without a usable id and sequence) is refused as a whole with 422.
    """
    raw = await _read_body(request, ctx.settings.push_body_max_bytes)
    outcome, now = await runtime.run_push(_push, ctx, runtime, principal, raw)
    if outcome.changed:
        runtime.announce(principal.unit_code)
    return _json_response(PushResponse(results=outcome.results, server_time=now))


# --- pull -----------------------------------------------------------------------------------


def _note_pull(ctx: ServerContext, principal: Principal) -> None:
    with ctx.factory.begin() as session:
        record_pull(session, principal.unit_code, principal.device_id, ctx.clock())


@router.get("/sync/pull", response_model=PullResponse, responses=responses(401, 422))
async def pull_changes(
    request: Request,
    principal: Caller,
    ctx: Ctx,
    runtime: Runtime,
    cursor: Annotated[str, Query(max_length=200, description="Opaque; empty for the beginning")] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_PAGE)] = 500,
    wait: Annotated[float, Query(ge=0, le=3600, description="Long-poll seconds (capped by the server)")] = 0,
) -> Response:
    """The office's changes after ``cursor``; with ``wait`` the request waits for the next commit."""
    try:
        after = feed.decode_cursor(cursor)
    except feed.CursorError:
        raise ApiError(
            422, "cursor_invalid", "Con trỏ đồng bộ không hợp lệ với máy chủ này; hãy đồng bộ lại từ đầu."
        ) from None
    wait = min(wait, float(ctx.settings.long_poll_max_seconds))
    if wait > 0:
        runtime.ensure_listener()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    with runtime.notifier.subscribe(principal.unit_code) as waiter:
        while True:
            page = await runtime.read_page(principal.unit_code, after, limit)
            now = loop.time()
            if page.changes or now >= deadline or await request.is_disconnected():
                break
            # Wait for the office's next commit; look again now and then in case a notification
            # was lost (the listener reconnecting).
            await waiter.wait(min(deadline - now, 5.0))
    if runtime.pull_due(principal.device_id):
        await runtime.run(_note_pull, ctx, principal)
    # A commit wakes the office's counters together and they share one page: its changes are
    # serialised once for all of them (feed.Page.changes_json), only server_time per pull.
    return Response(feed.pull_body(page, ctx.clock()), media_type=_JSON)


# --- dossier codes --------------------------------------------------------------------------


@router.post("/codes/reserve", response_model=ReserveResponse, responses=responses(401, 403, 409, 422))
def reserve_codes(body: ReserveRequest, principal: Caller, ctx: Ctx) -> ReserveResponse:
    """Blocks of dossier numbers for the caller's device, per day; idempotent by ``request_id``."""
    check_device(principal, body.device_id)
    try:
        with ctx.factory() as session:
            answer = codes.reserve(session, principal.unit_code, body, ctx.clock(), _code_limits(ctx.settings))
            session.commit()
        return answer
    except codes.RequestReusedError:
        raise ApiError(409, "request_reused", "Mã yêu cầu cấp số đã được một máy trạm khác dùng.") from None
    except codes.DaysOutOfRangeError as exc:
        raise ApiError(422, "days_out_of_range", exc.message) from None


def _code_limits(settings: Settings) -> codes.Limits:
    return codes.Limits(settings.codes_per_device_day, settings.codes_days_back, settings.codes_days_ahead)


@router.post(
    "/fees/receipts/reserve", response_model=FeeReceiptReserveResponse, responses=responses(401, 403, 409, 422)
)
def reserve_fee_receipts(body: FeeReceiptReserveRequest, principal: Caller, ctx: Ctx) -> FeeReceiptReserveResponse:
    """A block of fee receipt numbers for the caller's device and year; idempotent by ``request_id``."""
    check_device(principal, body.device_id)
    try:
        with ctx.factory() as session:
            answer = fee_receipts.reserve(session, principal.unit_code, body, ctx.clock())
            session.commit()
        return answer
    except fee_receipts.RequestReusedError:
        message = "Mã yêu cầu cấp số biên lai đã được dùng cho máy trạm hoặc năm khác."
        raise ApiError(409, "request_reused", message) from None
    except fee_receipts.YearOutOfRangeError as exc:
        raise ApiError(422, "year_out_of_range", exc.message) from None


# --- conflicts ------------------------------------------------------------------------------


@router.get("/conflicts", response_model=conflicts.ConflictList, responses=responses(401, 403))
def list_conflicts(
    principal: Supervisor,
    ctx: Ctx,
    state: Literal["open", "resolved", "all"] = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> conflicts.ConflictList:
    """The office's conflicts (supervisor or admin)."""
    with ctx.factory() as session:
        return conflicts.list_conflicts(session, principal.unit_code, state, limit)


@router.post(
    "/conflicts/{conflict_id}/resolve",
    response_model=conflicts.ConflictOut,
    responses=responses(401, 403, 404, 409, 422),
)
def resolve_conflict(
    conflict_id: Annotated[str, UUID_PATH],
    body: conflicts.ResolveRequest,
    principal: Supervisor,
    ctx: Ctx,
    runtime: Runtime,
) -> conflicts.ConflictOut:
    """Record a supervisor's resolution; it reaches every counter as a ``conflict.resolved`` event."""
    with ctx.factory() as session:
        try:
            result = conflicts.resolve(
                session, principal.unit_code, conflict_id, principal.officer_id, body.resolution, ctx.clock()
            )
        except conflicts.AlreadyResolvedError:
            raise ApiError(409, "already_resolved", "Xung đột này đã được giải quyết với nội dung khác.") from None
        if result is None:
            raise not_found("Không tìm thấy xung đột này trong đơn vị.")
        out, written = result
        session.commit()
    if written:
        runtime.announce(principal.unit_code)
    return out


# --- attachments ----------------------------------------------------------------------------


class AttachmentInfo(BaseModel):
    """A verified attachment."""

    sha256: str
    size: int


def _in_session(ctx: ServerContext, fn: Callable[..., T], *args: Any) -> T:
    with ctx.factory() as session:
        try:
            return fn(session, *args)
        except StoreUnavailableError:
            raise _store_unavailable() from None


def _store_unavailable() -> ApiError:
    message = "Kho lưu tệp đính kèm của máy chủ tạm thời không truy cập được; hãy thử lại sau."
    return ApiError(503, "storage_unavailable", message)


async def get_store(request: Request) -> AttachmentStore:
    """The process's attachment store (``app.state.attachments``, opened on first use from
    the settings: a folder or S3-compatible object storage)."""
    state = request.app.state
    store: AttachmentStore | None = getattr(state, "attachments", None)
    if store is None:
        with _runtime_lock:
            store = getattr(state, "attachments", None)
            if store is None:
                ctx: ServerContext = state.ctx
                try:
                    store = open_store(ctx.settings)
                except StoreUnavailableError:
                    raise _store_unavailable() from None
                state.attachments = store
    return store


Store = Annotated[AttachmentStore, Depends(get_store)]


def _upload_headers(offset: int) -> dict[str, str]:
    return {"Upload-Offset": str(offset)}


@router.head(
    "/attachments/{sha256}", responses={**responses(401, 404, 503), 200: {"description": "Upload-Offset header"}}
)
def attachment_offset(sha256: Annotated[str, SHA256_PATH], principal: Caller, ctx: Ctx, store: Store) -> Response:
    """``Upload-Offset``: bytes the server holds (the size once complete, with ``Upload-Complete: 1``)."""
    found = _in_session(ctx, attachments.state, store, principal.unit_code, sha256)
    if found is None:
        raise not_found("Máy chủ chưa có tệp này.")
    headers = _upload_headers(found.offset) | {"Upload-Complete": "1" if found.complete else "0"}
    return Response(status_code=200, headers=headers)


def _upload_error(exc: attachments.UploadError) -> ApiError:
    match exc.code:
        case "offset_mismatch":
            message = "Vị trí tải lên không khớp với dữ liệu máy chủ đang có; hãy hỏi lại vị trí rồi gửi tiếp."
            return ApiError(409, "offset_mismatch", message, headers=_upload_headers(exc.offset))
        case "complete":
            return ApiError(409, "already_complete", "Tệp đã được tải lên đầy đủ.", headers=_upload_headers(exc.offset))
        case "too_large":
            return ApiError(413, "too_large", "Đoạn tệp hoặc tệp quá lớn (mỗi đoạn tối đa 4 MiB).")
        case "size_mismatch":
            return ApiError(422, "size_mismatch", "Kích thước tệp không khớp với tệp máy chủ đã có.")
        case _:
            return ApiError(422, "hash_mismatch", "Tệp tải lên không khớp mã băm SHA-256; hãy tải lại từ đầu.")


@router.patch(
    "/attachments/{sha256}",
    status_code=204,
    responses={**responses(401, 409, 413, 422, 503), 204: {"description": "Chunk stored; new Upload-Offset header"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def attachment_chunk(
    sha256: Annotated[str, SHA256_PATH],
    request: Request,
    principal: Caller,
    ctx: Ctx,
    runtime: Runtime,
    store: Store,
    upload_offset: Annotated[int, Header(ge=0, alias="Upload-Offset")],
) -> Response:
    """Append one chunk (≤ 4 MiB) at ``Upload-Offset``; answers the new offset."""
    chunk = await _read_body(request, attachments.CHUNK_MAX)
    try:
        offset = await runtime.run(
            _in_session,
            ctx,
            attachments.append,
            store,
            principal.unit_code,
            sha256,
            upload_offset,
            chunk,
            principal.officer_id,
            ctx.clock(),
        )
    except attachments.UploadError as exc:
        raise _upload_error(exc) from None
    return Response(status_code=204, headers=_upload_headers(offset))


@router.post(
    "/attachments/{sha256}/complete", response_model=AttachmentInfo, responses=responses(401, 404, 409, 422, 503)
)
def attachment_complete(
    sha256: Annotated[str, SHA256_PATH],
    body: AttachmentComplete,
    principal: Caller,
    ctx: Ctx,
    store: Store,
) -> AttachmentInfo:
    """Hash the whole upload; keep it only if it matches its name (else 422 and it is dropped)."""
    try:
        size = _in_session(ctx, attachments.complete, store, principal.unit_code, sha256, body.size, ctx.clock())
    except attachments.UploadError as exc:
        raise _upload_error(exc) from None
    if size is None:
        raise not_found("Máy chủ chưa có tệp này.")
    return AttachmentInfo(sha256=sha256, size=size)


@router.get(
    "/attachments/{sha256}",
    response_class=StreamingResponse,
    responses={**responses(401, 404, 503), 200: {"content": {"application/octet-stream": {}}}},
)
def attachment_download(
    sha256: Annotated[str, SHA256_PATH], principal: Caller, ctx: Ctx, store: Store
) -> StreamingResponse:
    """The verified file (only to its own office), streamed from the store."""
    found = _in_session(ctx, attachments.download, store, principal.unit_code, sha256)
    if found is None:
        raise not_found("Máy chủ chưa có tệp này.")
    size, blocks = found
    headers = {"Content-Length": str(size), "Content-Disposition": f'attachment; filename="{sha256}"'}
    return StreamingResponse(blocks, media_type="application/octet-stream", headers=headers)
