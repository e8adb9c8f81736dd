"""GET /reference (ETag, office scoping) and the /admin endpoints (roles, own office only)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from app.domain.catalog import default_catalog_path
from app.sync.wire import Reference
from server import admin
from tests.server.conftest import PASSWORD, UNIT_A, UNIT_B, World, bearer, login_body


def _catalog() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_catalog_path().read_text("utf-8"))
    return data


def test_reference_serves_the_callers_office_only(world: World) -> None:
    srv = world.srv
    with srv.tx() as s:
        admin.import_catalog(s, srv.clock(), _catalog())  # the province catalog, for every office
        admin.add_calendar_entry(s, srv.clock(), UNIT_A, day=date(2026, 9, 1), kind="holiday",
                                 name="Nghỉ Quốc khánh", legal_ref="Thông báo 1/TB-BNV")  # fmt: skip
        admin.add_calendar_entry(s, srv.clock(), UNIT_B, day=date(2026, 9, 5), kind="workday",
                                 name="Làm bù", legal_ref="Quyết định 2/QĐ-UBND")  # fmt: skip
    answer = srv.client.get("/reference", headers=bearer(srv.login("canbo.a", world.device_a)))
    assert answer.status_code == 200
    ref = Reference.model_validate(answer.json())
    assert ref.office.unit_code == UNIT_A
    assert {o.username for o in ref.officers} == {"canbo.a", "giamsat.a", "quantri.a"}
    assert "password" not in answer.text and "argon2" not in answer.text
    assert len(ref.catalog) == 37 and ref.catalog[0]["code"] == _catalog()["procedures"][0]["code"]
    assert {d.code for d in ref.departments} >= {"CAT", "XA-TP"}
    assert [(e.day.isoformat(), e.kind) for e in ref.calendar_entries] == [("2026-09-01", "holiday")]
    assert ref.office_hours == [("07:00", "11:30"), ("13:30", "17:00")]
    assert answer.headers["ETag"] == f'"{ref.version}"'


def test_reference_answers_304_until_an_admin_changes_something(world: World) -> None:
    srv = world.srv
    officer = bearer(srv.login("canbo.a", world.device_a))
    first = srv.client.get("/reference", headers=officer)
    tag = first.headers["ETag"]
    same = srv.client.get("/reference", headers=officer | {"If-None-Match": tag})
    assert same.status_code == 304 and same.content == b"" and same.headers["ETag"] == tag
    weak = srv.client.get("/reference", headers=officer | {"If-None-Match": f'"x", W/{tag}'})
    assert weak.status_code == 304
    admin_b = bearer(srv.login("quantri.b", world.device_b))  # a change in office B leaves A's version alone
    body = {"day": "2026-12-31", "kind": "holiday", "name": "Nghỉ", "legal_ref": "Văn bản 9"}
    assert srv.client.post("/admin/calendar", json=body, headers=admin_b).status_code == 201
    assert srv.client.get("/reference", headers=officer | {"If-None-Match": tag}).status_code == 304
    admin_a = bearer(srv.login("quantri.a", world.device_a))
    periods = {"periods": [["07:30", "11:30"], ["13:00", "16:30"]]}
    assert srv.client.put("/admin/office-hours", json=periods, headers=admin_a).status_code == 204
    changed = srv.client.get("/reference", headers=officer | {"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert changed.json()["office_hours"] == [["07:30", "11:30"], ["13:00", "16:30"]]


ADMIN_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    (
        "post",
        "/admin/officers",
        {"username": "moi", "full_name": "Cán bộ mới", "role": "officer", "password": "mat-khau-moi"},
    ),
    ("post", "/admin/departments", {"code": "PHONG-1", "name": "Phòng Một"}),
    ("post", "/admin/enrolment-codes", {"hours": 2}),
    ("get", "/admin/devices", None),
    ("post", "/admin/calendar", {"day": "2026-05-04", "kind": "holiday", "name": "Nghỉ bù", "legal_ref": "TB 3"}),
    ("put", "/admin/office-hours", {"periods": [["07:00", "11:00"]]}),
    ("put", "/admin/catalog", _catalog()),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS, ids=[f"{m} {p}" for m, p, _ in ADMIN_CALLS])
def test_only_an_admin_may_call_admin_endpoints(world: World, method: str, path: str, body: Any) -> None:
    srv = world.srv
    for username in ("canbo.a", "giamsat.a"):
        answer = srv.client.request(method, path, json=body, headers=bearer(srv.login(username, world.device_a)))
        assert answer.status_code == 403, (username, answer.text)
        assert answer.json()["detail"]["code"] == "forbidden"
    assert srv.client.request(method, path, json=body).status_code == 401
    answer = srv.client.request(method, path, json=body, headers=bearer(srv.login("quantri.a", world.device_a)))
    assert answer.status_code in (200, 201, 204), answer.text


def test_an_admin_acts_on_their_own_office_only(world: World) -> None:
    srv = world.srv
    admin_a = bearer(srv.login("quantri.a", world.device_a))
    officer_b = srv.login("canbo.b", world.device_b)["officer"]
    answer = srv.client.patch(f"/admin/officers/{officer_b['id']}", json={"active": False}, headers=admin_a)
    assert (answer.status_code, answer.json()["detail"]["code"]) == (403, "wrong_office")  # writes: 403
    revoke = srv.client.post(f"/admin/devices/{world.device_b.device_id}/revoke", headers=admin_a)
    assert (revoke.status_code, revoke.json()["detail"]["code"]) == (403, "wrong_office")
    unknown = srv.client.post("/admin/devices/0190c1d2-0000-7000-8000-000000000000/revoke", headers=admin_a)
    assert unknown.status_code == 404
    devices = srv.client.get("/admin/devices", headers=admin_a).json()
    assert [d["id"] for d in devices] == [world.device_a.device_id]
    # the officer of B and the device of B still work
    assert srv.client.post("/auth/login", json=login_body("canbo.b", world.device_b)).status_code == 200
    # an enrolment code an admin of A makes enrols into A, whatever the body says
    code = srv.client.post("/admin/enrolment-codes", json={}, headers=admin_a).json()
    assert code["unit_code"] == UNIT_A
    enrolled = srv.client.post("/auth/enrol", json={"code": code["code"], "counter_name": "Quầy 2"}).json()
    assert (enrolled["unit_code"], enrolled["slot"]) == (UNIT_A, 1)
    # an officer created by A's admin belongs to A, and can log in only on A's devices
    body = {"username": "moi.a", "full_name": "Người Mới", "role": "officer", "password": PASSWORD}
    created = srv.client.post("/admin/officers", json=body, headers=admin_a)
    assert created.status_code == 201 and created.json()["unit_code"] == UNIT_A
    assert srv.client.post("/auth/login", json=login_body("moi.a", world.device_b)).status_code == 403
    assert srv.client.post("/auth/login", json=login_body("moi.a", world.device_a)).status_code == 200


def test_admin_input_errors_are_vietnamese_sentences(world: World) -> None:
    srv = world.srv
    admin_a = bearer(srv.login("quantri.a", world.device_a))
    duplicate = {"username": "canbo.b", "full_name": "Trùng", "role": "officer", "password": PASSWORD}
    answer = srv.client.post("/admin/officers", json=duplicate, headers=admin_a)
    assert answer.status_code == 409 and "đã có người dùng" in answer.json()["detail"]["message"]
    short = srv.client.post("/admin/officers", json=duplicate | {"username": "x", "password": "123"}, headers=admin_a)
    assert short.status_code == 422
    assert short.json()["detail"] == {
        "code": "invalid_request",
        "message": "Dữ liệu gửi lên không hợp lệ: trường “password” quá ngắn.",
    }
    hours = srv.client.put("/admin/office-hours", json={"periods": [["11:00", "07:00"]]}, headers=admin_a)
    assert hours.status_code == 422 and "giờ bắt đầu phải trước giờ kết thúc" in hours.json()["detail"]["message"]
    catalog = srv.client.put("/admin/catalog", json={"version": "1"}, headers=admin_a)
    assert catalog.status_code == 422 and catalog.json()["detail"]["code"] == "invalid_catalog"
    missing = srv.client.delete("/admin/calendar/2030-01-02", headers=admin_a)
    assert missing.status_code == 404 and "02/01/2030" in missing.json()["detail"]["message"]


def test_an_office_catalog_overrides_the_province_catalog(world: World) -> None:
    srv = world.srv
    province = _catalog()
    with srv.tx() as s:
        admin.import_catalog(s, srv.clock(), province)
    own = dict(province, procedures=[dict(province["procedures"][0], name="Đăng ký khai sinh (quy trình riêng)")])
    admin_a = bearer(srv.login("quantri.a", world.device_a))
    assert srv.client.put("/admin/catalog", json=own, headers=admin_a).json() == {"procedures": 1}
    catalog_a = srv.client.get("/reference", headers=admin_a).json()["catalog"]
    catalog_b = srv.client.get("/reference", headers=bearer(srv.login("quantri.b", world.device_b))).json()["catalog"]
    assert len(catalog_a) == len(catalog_b) == 37
    first_a = next(p for p in catalog_a if p["code"] == own["procedures"][0]["code"])
    first_b = next(p for p in catalog_b if p["code"] == own["procedures"][0]["code"])
    assert first_a["name"].endswith("(quy trình riêng)") and not first_b["name"].endswith("(quy trình riêng)")


def test_openapi_is_served_valid_and_documents_error_bodies(world: World) -> None:
    schema = world.srv.client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for path in ("/auth/enrol", "/auth/login", "/auth/refresh", "/auth/logout", "/reference", "/admin/officers"):
        assert path in schema["paths"], path
    login = schema["paths"]["/auth/login"]["post"]
    assert login["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert login["responses"]["429"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    _assert_refs_resolve(schema, schema)
    assert world.srv.client.get("/healthz").json() == {"status": "ok"}


def _assert_refs_resolve(node: Any, root: dict[str, Any]) -> None:
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
        for value in node.values():
            _assert_refs_resolve(value, root)
    elif isinstance(node, list):
        for value in node:
            _assert_refs_resolve(value, root)


def test_unknown_routes_and_bad_json_answer_error_bodies(world: World) -> None:
    client = world.srv.client
    assert client.get("/nowhere").json()["detail"]["code"] == "not_found"
    assert client.delete("/auth/login").json()["detail"]["code"] == "method_not_allowed"
    bad = client.post("/auth/login", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 422 and bad.json()["detail"]["message"].startswith("Dữ liệu gửi lên không hợp lệ")
