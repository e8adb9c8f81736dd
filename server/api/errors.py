"""Every error answered as ``wire.ErrorBody`` with a Vietnamese message, and documented as such."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import UserFacingError
from app.sync.wire import ErrorBody, ErrorDetail
from server.errors import ApiError, error_body

log = logging.getLogger("motcua.server")

_DESCRIPTIONS = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa đăng nhập, phiên hết hạn hoặc thông tin đăng nhập sai",
    403: "Không có quyền",
    404: "Không tìm thấy",
    409: "Xung đột với dữ liệu đã có",
    410: "Đã hết hạn",
    422: "Dữ liệu gửi lên không hợp lệ",
    429: "Thử quá nhiều lần",
}
_HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("not_authenticated", "Chưa đăng nhập. Hãy đăng nhập để tiếp tục."),
    403: ("forbidden", "Tài khoản của bạn không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy địa chỉ yêu cầu trên máy chủ."),
    405: ("method_not_allowed", "Máy chủ không hỗ trợ thao tác này trên địa chỉ đó."),
    406: ("not_acceptable", "Máy chủ không trả được dữ liệu theo định dạng yêu cầu."),
    413: ("too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Định dạng dữ liệu gửi lên không được hỗ trợ (cần JSON)."),
}
_PYDANTIC_PROBLEMS = {
    "missing": "bị thiếu",
    "extra_forbidden": "không được phép có",
    "string_too_short": "quá ngắn",
    "string_too_long": "quá dài",
    "string_pattern_mismatch": "sai định dạng",
    "text_forbidden_char": "chứa ký tự không được phép (NUL, ký tự điều khiển hoặc mã Unicode hỏng); hãy gõ lại",
    "string_unicode": "chứa ký tự không được phép (mã Unicode hỏng); hãy gõ lại",
    "string_type": "phải là chuỗi ký tự",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "bool_parsing": "phải là true hoặc false",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "json_invalid": "không phải JSON hợp lệ",
    "model_attributes_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
    "literal_error": "không thuộc các giá trị cho phép",
    "greater_than_equal": "quá nhỏ",
    "less_than_equal": "quá lớn",
    "too_short": "có quá ít phần tử",
    "too_long": "có quá nhiều phần tử",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entry documenting ``ErrorBody`` for each status."""
    return {s: {"model": ErrorBody, "description": _DESCRIPTIONS.get(s, "Lỗi")} for s in statuses}


def validation_message(errors: Sequence[Any]) -> str:
    """A Vietnamese sentence naming the first invalid field and what is wrong with it."""
    if not errors:
        return "Dữ liệu gửi lên không hợp lệ."
    first = errors[0]
    loc = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header"))
    problem = _PYDANTIC_PROBLEMS.get(str(first.get("type", "")), "không hợp lệ")
    where = f"trường “{loc}”" if loc else "nội dung yêu cầu"
    more = f" (và {len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
    return f"Dữ liệu gửi lên không hợp lệ: {where} {problem}{more}."


def _json(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _json(exc.status, exc.code, exc.message, exc.headers)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _HTTP_MESSAGES.get(
        exc.status_code, ("http_error", f"Máy chủ từ chối yêu cầu (mã {exc.status_code}).")
    )
    return _json(exc.status_code, code, message, dict(exc.headers or {}))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _json(422, "invalid_request", validation_message(exc.errors()))


async def _user_facing(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UserFacingError)
    return _json(422, "invalid_value", exc.message)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
    return _json(500, "server_error", "Máy chủ gặp lỗi ngoài dự kiến. Hãy thử lại sau ít phút hoặc báo bộ phận CNTT.")


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database connection that died under a request (PostgreSQL restarted, failed over, or the
    session was terminated): 503, and the client sends again. SQLAlchemy has already dropped the
    dead connections from the pool, so the next request gets a fresh one."""
    assert isinstance(exc, DBAPIError)
    if not exc.connection_invalidated:
        return await _unexpected(request, exc)
    log.warning("database connection lost during %s %s: %s", request.method, request.url.path, exc.orig)
    return _json(503, "database_unavailable", "Máy chủ tạm mất kết nối tới cơ sở dữ liệu. Máy trạm sẽ tự gửi lại sau"
                 " ít giây.", {"Retry-After": "1"})  # fmt: skip


def install(app: FastAPI) -> None:
    """Register the handlers and make the OpenAPI document show ``ErrorBody`` for 422 too."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(UserFacingError, _user_facing)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
    app.openapi = _openapi_with_error_bodies(app)  # type: ignore[method-assign]


def _openapi_with_error_bodies(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            ref = {"$ref": "#/components/schemas/ErrorBody"}
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    answer = operation.get("responses", {}).get("422")
                    if answer is not None:
                        answer["content"] = {"application/json": {"schema": ref}}
                        answer["description"] = _DESCRIPTIONS[422]
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.pop("HTTPValidationError", None)
            components.pop("ValidationError", None)
            for model in (ErrorDetail, ErrorBody):  # present already when a route documents its errors
                if model.__name__ not in components:
                    model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                    model_schema.pop("$defs", None)
                    components[model.__name__] = model_schema
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi
