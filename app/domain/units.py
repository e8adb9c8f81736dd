"""The province's units (đơn vị) and, per procedure, who decides it and where it may be received.

Since 1 July 2025 local government has two levels, province and commune (Decree 118/2025, DOMAIN.md
§9): the districts ended on 30 June 2025, each with a successor. Every centre of the province
receives the procedures on the province's list regardless of where the citizen lives, forwards the
dossier to the unit that decides it and returns the result at the place of receipt.

A catalog without units (every catalog before issue 16) means what it always meant: the office
that receives a dossier handles it.

**Whose identifier a dossier code carries: the receiving unit's.** Circular 01/2018 art. 19
[law, DOMAIN.md §4] builds the code from the identifier of the unit that *receives* the dossier
and its daily sequence, and nothing in Decree 118/2025 or Circular 03/2025 as quoted (DOMAIN.md
§9) moves it to the handling unit. Some provincial systems register a forwarded dossier in the
handling unit's record [practice, unconfirmed]; we do not, because (1) the law's text says
receiving unit, (2) the code is printed at the counter and must never change, and a counter can
only guarantee a unique number offline in a sequence it owns: its own unit's, from the server's
reserved blocks and then its device slot's fallback partition (app.sync.codes). With the handling
unit's identifier, two centres offline would share that unit's fallback space and could print the
same code. So the reserved numbers an enrolled counter holds for its own unit cover every dossier
it may receive, whichever unit decides it (:func:`code_unit`); the handling unit is recorded on
the dossier (``handling_unit``) and drives the routing, not the code.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from app.domain.codes import UNIT_CODE_RE
from app.errors import UserFacingError
from app.text import nfc

RECEIVE_ANYWHERE = "all"
"""``receive_at`` value: every centre of the province may receive the procedure."""

_LEVELS = {"tinh": "cấp tỉnh", "xa": "cấp xã", "huyen": "cấp huyện (đến 30/6/2025)"}
"""``huyen`` only for the districts that ended on 30 June 2025; a procedure never names one (it has ended)."""


class UnitError(UserFacingError):
    """The catalog's units, or a procedure's handling units, are not valid (message in Vietnamese)."""


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit of the province: a department, the centre, a commune, an old district.

    Attributes:
        code: Identifier (QCVN 102:2016), e.g. ``000.00.11.H49``.
        name: Full name, e.g. "Sở Tư pháp tỉnh Quảng Ninh".
        level: "tinh" or "xa" ("huyen": a district, ended 30 June 2025).
        effective_from: First day it exists (None: always has).
        effective_to: Last day it exists (None: current).
        successor: Identifier of the unit that took over its work when it ended ("" for none).
        demo: Invented for the demo province, not a real unit.
    """

    code: str
    name: str
    level: str
    effective_from: date | None = None
    effective_to: date | None = None
    successor: str = ""
    demo: bool = False

    def active_on(self, day: date) -> bool:
        """Whether the unit exists on ``day``."""
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day <= self.effective_to
        )

    @property
    def current(self) -> bool:
        """Whether the unit has no end date."""
        return self.effective_to is None

    @property
    def label(self) -> str:
        """Name and identifier, as shown in the reception form."""
        return f"{self.name} ({self.code})"


@dataclass(frozen=True, slots=True)
class Handling:
    """Which unit, and which of its departments, decides a procedure.

    Attributes:
        unit: The unit's identifier.
        department: The catalog department code (e.g. "STP"); "" = the procedure's own department.
    """

    unit: str
    department: str = ""


@dataclass(frozen=True, slots=True)
class ProcedureUnits:
    """A procedure's handling units and where it may be received.

    Attributes:
        handling: The units that may decide it (a commune procedure lists several communes);
            empty: the receiving office decides it (catalogs without units).
        receive_at: Unit identifiers of the centres that may receive it; empty: every centre
            (``"all"`` in the catalog).
    """

    handling: tuple[Handling, ...] = ()
    receive_at: tuple[str, ...] = ()

    def may_receive(self, office: str) -> bool:
        """Whether the office ``office`` may receive the procedure."""
        return not self.receive_at or office in self.receive_at

    def choices(self, office: str) -> tuple[Handling, ...]:
        """The units an officer at ``office`` may pick, the office itself first when it may decide."""
        own = [h for h in self.handling if h.unit == office]
        return tuple(own + [h for h in self.handling if h.unit != office])

    def default(self, office: str) -> Handling | None:
        """The handling unit preselected at ``office``: itself when it may decide, else the first listed;
        None when the office decides everything (no units)."""
        choices = self.choices(office)
        return choices[0] if choices else None


NO_UNITS = ProcedureUnits()


def _fail(message: str) -> UnitError:
    return UnitError(f"Danh mục thủ tục không hợp lệ: {message}")


def _day(value: Any, where: str, key: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(
        f"{where}, trường {key} phải là ngày dạng NNNN-TT-NN (ví dụ 2025-07-01) hoặc null, không phải “{value}”."
    )


def read_units(data: Any) -> tuple[Unit, ...]:
    """Validate the catalog's ``units`` list (absent or null: no units).

    Raises:
        UnitError: a unit is malformed, two entries overlap, an end precedes a start, or a
            successor is unknown or does not exist the day after its predecessor ends.
    """
    if data is None:
        return ()
    if not isinstance(data, list):
        raise _fail("danh sách đơn vị (units) phải là một danh sách.")
    units: list[Unit] = []
    for i, item in enumerate(data):
        where = f"đơn vị thứ {i + 1}"
        if not isinstance(item, Mapping):
            raise _fail(f"{where} phải là một đối tượng JSON.")
        code, name, level = (nfc(str(item.get(k) or "")).strip() for k in ("code", "name", "level"))
        if not UNIT_CODE_RE.match(code):
            raise _fail(f"{where} có mã “{code}” không đúng dạng mã định danh đơn vị (ví dụ 000.00.11.H49).")
        where = f"đơn vị {code}"
        if not name:
            raise _fail(f"{where} chưa có tên.")
        if level not in _LEVELS:
            raise _fail(
                f"{where} có cấp “{level}” không hợp lệ (chỉ nhận: tinh, xa; huyen cho đơn vị cấp huyện đã kết thúc)."
            )
        start = _day(item.get("effective_from"), where, "effective_from (ngày bắt đầu hiệu lực)")
        end = _day(item.get("effective_to"), where, "effective_to (ngày hết hiệu lực)")
        if start and end and end < start:
            raise _fail(f"{where} hết hiệu lực ngày {end:%d/%m/%Y}, trước ngày bắt đầu {start:%d/%m/%Y}.")
        successor = nfc(str(item.get("successor") or "")).strip()
        demo = item.get("demo", False)
        if not isinstance(demo, bool):
            raise _fail(f"{where}, trường demo phải là true hoặc false.")
        units.append(Unit(code, name, level, start, end, successor, demo))
    _check_overlaps(units)
    _check_successors(units)
    return tuple(units)


def _check_overlaps(units: Sequence[Unit]) -> None:
    by_code: dict[str, list[Unit]] = {}
    for unit in units:
        by_code.setdefault(unit.code, []).append(unit)
    for code, entries in by_code.items():
        entries.sort(key=lambda u: u.effective_from or date.min)
        for before, after in itertools.pairwise(entries):
            if before.effective_to is None or (after.effective_from or date.min) <= before.effective_to:
                raise _fail(
                    f"mã đơn vị {code} được khai báo hai lần với thời gian hiệu lực chồng lên nhau"
                    f" (“{before.name}” và “{after.name}”). Hãy sửa ngày hiệu lực cho nối tiếp nhau."
                )


def _check_successors(units: Sequence[Unit]) -> None:
    by_code = {u.code: u for u in units}
    for unit in units:
        if not unit.successor:
            continue
        successor = by_code.get(unit.successor)
        if successor is None:
            raise _fail(
                f"đơn vị {unit.code} ({unit.name}) ghi đơn vị kế thừa {unit.successor}, nhưng mã này không có"
                " trong danh sách đơn vị. Hãy thêm đơn vị kế thừa hoặc sửa mã."
            )
        if unit.effective_to is None:
            raise _fail(
                f"đơn vị {unit.code} ({unit.name}) có đơn vị kế thừa nhưng chưa có ngày hết hiệu lực (effective_to)."
            )
        if successor.code == unit.code or not successor.active_on(unit.effective_to + timedelta(days=1)):
            raise _fail(
                f"đơn vị kế thừa {successor.code} của {unit.code} không có hiệu lực từ ngày"
                f" {unit.effective_to + timedelta(days=1):%d/%m/%Y}, ngày sau khi {unit.code} hết hiệu lực."
            )


def read_procedure_units(
    data: Mapping[str, Any], units: Mapping[str, Unit], departments: Iterable[str], level: str, where: str
) -> ProcedureUnits:
    """Validate a procedure's ``handling`` and ``receive_at`` against the catalog's units.

    Absent: the receiving office decides (as before issue 16).

    Raises:
        UnitError: an unknown or ended unit, a unit of another level, an unknown department.
    """
    handling_data, receive_data = data.get("handling"), data.get("receive_at")
    if handling_data is None and receive_data is None:
        return NO_UNITS
    known_departments = set(departments)
    handling: list[Handling] = []
    if handling_data is not None:
        if not isinstance(handling_data, list) or not handling_data:
            raise _fail(f"{where}, trường handling (đơn vị giải quyết) phải là danh sách có ít nhất một đơn vị.")
        for item in handling_data:
            if not isinstance(item, Mapping):
                raise _fail(f'{where}, mỗi mục của handling phải có dạng {{"unit": …, "department": …}}.')
            code = nfc(str(item.get("unit") or "")).strip()
            unit = _current_unit(units, code, where, "đơn vị giải quyết")
            if unit.level != level:
                raise _fail(
                    f"{where} là thủ tục {_LEVELS.get(level, level)} nhưng đơn vị giải quyết {code} ({unit.name})"
                    f" thuộc {_LEVELS[unit.level]}."
                )
            department = nfc(str(item.get("department") or "")).strip()
            if department and department not in known_departments:
                raise _fail(
                    f"{where}, đơn vị giải quyết {code} ghi cơ quan “{department}” không có trong danh sách cơ quan."
                )
            handling.append(Handling(code, department))
    receive_at: tuple[str, ...] = ()
    if receive_data is not None and receive_data != RECEIVE_ANYWHERE:
        if not isinstance(receive_data, list) or not receive_data:
            raise _fail(
                f"{where}, trường receive_at (nơi tiếp nhận) phải là “all” hoặc danh sách mã đơn vị có ít nhất một mã."
            )
        receive_at = tuple(_current_unit(units, nfc(str(c)).strip(), where, "nơi tiếp nhận").code for c in receive_data)
    return ProcedureUnits(tuple(handling), receive_at)


def _current_unit(units: Mapping[str, Unit], code: str, where: str, role: str) -> Unit:
    unit = units.get(code)
    if unit is None:
        raise _fail(f"{where} ghi {role} “{code}” không có trong danh sách đơn vị (units).")
    if not unit.current:
        successor = f" Hãy dùng đơn vị kế thừa {unit.successor}." if unit.successor else ""
        raise _fail(
            f"{where} ghi {role} {code} ({unit.name}) đã hết hiệu lực từ ngày"
            f" {unit.effective_to + timedelta(days=1):%d/%m/%Y}.{successor}"  # type: ignore[operator]
        )
    return unit


def current_by_code(units: Iterable[Unit]) -> dict[str, Unit]:
    """The units by identifier; of an identifier declared for several periods, the latest."""
    found: dict[str, Unit] = {}
    for unit in sorted(units, key=lambda u: u.effective_from or date.min):
        found[unit.code] = unit
    return found


def code_unit(receiving: str, handling: str) -> str:
    """Whose identifier the dossier code carries: always the receiving unit's (module docstring: the
    rule and its source), whichever unit ``handling`` decides the dossier."""
    del handling  # recorded on the dossier for routing; never part of the code
    return receiving


def units_received_for(office: str, procedures: Iterable[ProcedureUnits]) -> list[str]:
    """Other units whose dossiers ``office`` may receive and forwards to them, sorted."""
    found = {h.unit for p in procedures if p.may_receive(office) for h in p.handling if h.unit != office}
    return sorted(found)


def receiving_units(office: str, procedures: Iterable[ProcedureUnits], units: Iterable[Unit]) -> list[str]:
    """Units that may receive a dossier ``office`` decides (and so get its result back), sorted, not itself.

    A procedure received "all" over the province: every current unit of the catalog.
    """
    current = [u.code for u in units if u.current]
    found: set[str] = set()
    for p in procedures:
        if any(h.unit == office for h in p.handling):
            found.update(p.receive_at or current)
    found.discard(office)
    return sorted(found)


def check_handling(units: ProcedureUnits, office: str, chosen: str, known: Mapping[str, Unit] | None = None) -> str:
    """The handling unit to record for a dossier received at ``office`` ("" = the office itself).

    ``known``: the catalog's units by identifier, to name them in the messages.

    Raises:
        UnitError: ``office`` may not receive the procedure, or ``chosen`` may not decide it.
    """
    known = known or {}

    def name(code: str) -> str:
        return known[code].label if code in known else code

    if not units.may_receive(office):
        raise UnitError(
            "Thủ tục này chỉ được tiếp nhận tại: " + "; ".join(name(c) for c in units.receive_at) + ". Hãy hướng dẫn"
            " công dân nộp hồ sơ tại một trong các nơi đó."
        )
    if not units.handling:
        return ""
    allowed = {h.unit for h in units.handling}
    pick = chosen or (units.default(office) or Handling("")).unit
    if pick not in allowed:
        raise UnitError(f"Đơn vị {name(pick)} không giải quyết thủ tục này. Hãy chọn một đơn vị trong danh sách.")
    return "" if pick == office else pick
