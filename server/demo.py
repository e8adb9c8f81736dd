"""``motcua-server admin seed-demo``: the same demo office and accounts as the desktop client's."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TextIO

from sqlalchemy.orm import Session

from app.domain.catalog import default_catalog_path
from server import admin
from server.cli import print_code
from server.repositories import identity, reference

# The same as app/services/seed.py (a test keeps them equal); the README lists them.
DEMO_UNIT_CODE = "000.01.00.H49"
DEMO_OFFICE = {
    "name": "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh (DEMO)",
    "governing_body": "UBND TỈNH QUẢNG NINH",
    "place_name": "Quảng Ninh",
}
DEMO_ACCOUNTS = (
    ("canbo", "motcua2026", "Nguyễn Thị Thuỳ Dương", "officer"),
    ("giamsat", "giamsat2026", "Trần Văn Hùng", "supervisor"),
    ("quantri", "quantri2026", "Lê Quốc Bảo", "admin"),
)
DEMO_UNIT_ACCOUNTS = {
    "000.00.13.H49": ("canbo.cat", "motcua2026", "Phạm Văn Đức", "officer"),
    "000.01.21.H49": ("canbo.halong", "motcua2026", "Vũ Thị Hạnh", "officer"),
}
"""An officer of two other demo offices (issue 16): the province's police, who decide the judicial record
(3.000333) received anywhere, and a commune that receives it; enrol a PC for them with
``motcua-server admin enrol-code``."""
DEMO_PROVINCE_SUPERVISOR = ("giamsattinh", "giamsat2026", "Phạm Minh Châu", "supervisor")
"""The server's own demo account (not on the counters): a supervisor granted the province's reports."""


def seed_demo(session: Session, now: datetime, *, hours: int, out: TextIO) -> None:
    """Create (or complete) the demo office, its catalog and accounts; print an enrolment code.

    Safe to run again: what exists is kept, only a new enrolment code is issued. The catalog
    goes to the demo office's own scope, never over a province catalog.
    """
    if reference.office(session, DEMO_UNIT_CODE) is None:
        admin.create_office(session, now, unit_code=DEMO_UNIT_CODE, demo=True, **DEMO_OFFICE)
        print(f"Đã tạo đơn vị DEMO {DEMO_UNIT_CODE}: {DEMO_OFFICE['name']}", file=out)
    if not reference.catalog(session, DEMO_UNIT_CODE):
        path = default_catalog_path()
        count = admin.import_catalog(session, now, json.loads(path.read_text("utf-8-sig")), scope=DEMO_UNIT_CODE)
        print(f"Đã nhập {count} thủ tục từ {path}.", file=out)
    for username, password, full_name, role in DEMO_ACCOUNTS:
        if identity.officer_by_username(session, username) is None:
            admin.create_officer(session, now, DEMO_UNIT_CODE, username=username, full_name=full_name, role=role,
                                 password=password)  # fmt: skip
            print(f"Đã tạo tài khoản {username} / {password} ({role}) – {full_name}", file=out)
    _seed_demo_units(session, now, out)
    username, password, full_name, role = DEMO_PROVINCE_SUPERVISOR
    if identity.officer_by_username(session, username) is None:
        admin.create_officer(session, now, DEMO_UNIT_CODE, username=username, full_name=full_name, role=role,
                             password=password, province_reports=True)  # fmt: skip
        print(f"Đã tạo tài khoản {username} / {password} ({role}, xem số liệu toàn tỉnh) – {full_name}", file=out)
    print_code(admin.create_enrolment_code(session, now, DEMO_UNIT_CODE, hours=hours, created_by="seed-demo"), out)


def _seed_demo_units(session: Session, now: datetime, out: TextIO) -> None:
    """The catalog's other current demo units as offices of their own, each with the catalog (issue 16).

    A dossier received for another unit reaches that unit's feed only when the unit is an office of
    the server (server/sync/push.py), so the demo province has them: departments, communes.
    """
    data = json.loads(default_catalog_path().read_text("utf-8-sig"))
    for unit in data.get("units") or []:
        code = unit["code"]
        if not unit.get("demo") or unit.get("effective_to") or code == DEMO_UNIT_CODE:
            continue
        if reference.office(session, code) is None:
            header = {"governing_body": DEMO_OFFICE["governing_body"], "place_name": DEMO_OFFICE["place_name"]}
            admin.create_office(session, now, unit_code=code, name=unit["name"], demo=True, **header)
            print(f"Đã tạo đơn vị DEMO {code}: {unit['name']}", file=out)
        if not reference.catalog(session, code):
            admin.import_catalog(session, now, data, scope=code)
        if (account := DEMO_UNIT_ACCOUNTS.get(code)) and identity.officer_by_username(session, account[0]) is None:
            username, password, full_name, role = account
            admin.create_officer(session, now, code, username=username, full_name=full_name, role=role,
                                 password=password)  # fmt: skip
            print(f"Đã tạo tài khoản {username} / {password} ({role}, {unit['name']}) – {full_name}", file=out)
