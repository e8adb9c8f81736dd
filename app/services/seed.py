"""First run with no configuration: a clearly marked demo office to try everything at once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.catalog import Catalog
from app.domain.events import new_id
from app.services.auth import hash_password
from app.services.context import Role
from app.store.models import Department, Device, Office, Officer

DEMO_UNIT_CODE = "000.01.00.H49"
DEMO_ACCOUNTS = (
    # username, password, full name, role — the README lists these.
    ("canbo", "motcua2026", "Nguyễn Thị Thuỳ Dương", Role.OFFICER),
    ("giamsat", "giamsat2026", "Trần Văn Hùng", Role.SUPERVISOR),
    ("quantri", "quantri2026", "Lê Quốc Bảo", Role.ADMIN),
)


def needs_setup(session: Session) -> bool:
    """True while no device has been configured on this PC."""
    return session.scalars(select(Device.id)).first() is None


def seed_demo(session: Session, catalog: Catalog, counter_name: str = "Quầy số 01") -> str:
    """Create the demo office, its departments, accounts and this device; returns the device id."""
    session.add(
        Office(
            unit_code=DEMO_UNIT_CODE,
            name="Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh (DEMO)",
            governing_body="UBND TỈNH QUẢNG NINH",
            place_name="Quảng Ninh",
            address="Tầng 1, Trụ sở Liên cơ quan số 3, Phường Hồng Gai, Quảng Ninh (địa chỉ minh hoạ)",
            phone="0203 3 000 000",
            demo=True,
        )
    )
    session.flush()
    for dep in catalog.departments:
        session.add(Department(code=dep.code, name=dep.name, level=dep.level))
    for username, password, full_name, role in DEMO_ACCOUNTS:
        session.add(
            Officer(
                id=new_id(),
                username=username,
                full_name=full_name,
                role=str(role),
                password_hash=hash_password(password),
                unit_code=DEMO_UNIT_CODE,
            )
        )
    device_id = new_id()
    session.add(Device(id=device_id, counter_name=counter_name, unit_code=DEMO_UNIT_CODE))
    session.flush()
    return device_id
