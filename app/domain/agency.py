"""The handling agency (cơ quan giải quyết) as a form names it: its own name and its governing body.

The catalog names departments generically, sometimes with alternatives for the two kinds of
commune: "Phòng Kinh tế (UBND xã) / Phòng Kinh tế, Hạ tầng và Đô thị (UBND phường)". A form
signed by the agency's head (form 04) prints one agency: the office's own name for it when the
office has one (departments synced from the server), otherwise the catalog variant for the
office's kind of commune — read from the office's data ("UBND phường Hồng Gai") — with the
parenthesis turned into the governing body line above it, as the national header wants
(Decree 30/2020: governing body over the issuing agency).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from app.text import nfc

_COMMUNE = re.compile(r"(?:UBND|[ỦU]Y BAN NHÂN DÂN)\s+(XÃ|PHƯỜNG|ĐẶC KHU)\s+(\S.*)$", re.IGNORECASE)
_BARE_COMMUNE = re.compile(r"(?:^|\s)(XÃ|PHƯỜNG|ĐẶC KHU)\s+(\S.*)$", re.IGNORECASE)  # "Bộ phận Một cửa xã Tiên Yên"
_VARIANT = re.compile(r"^(?P<main>.*?)\s*\((?P<qualifier>[^()]*)\)\s*$")
_COUNCIL = re.compile(r"^(?:UBND|[ỦU]y ban nhân dân)\b", re.IGNORECASE)
_PARENT = re.compile(r"^(?:Bộ|Sở|Tổng cục|Cục|UBND|[ỦU]y ban nhân dân)\b", re.IGNORECASE)
_SUB_UNIT = re.compile(r"^(?:Phòng|Chi cục|Văn phòng|Trung tâm|Ban|Bộ phận)\b", re.IGNORECASE)
_PROVINCE_COUNCIL = re.compile(r"^(?:UBND|[ỦU]Y BAN NHÂN DÂN)\s+(?:TỈNH|THÀNH PHỐ)\b", re.IGNORECASE)
_MINISTRY_OF = {"công an": "Bộ Công an"}
"""Provincial agencies answerable to a ministry, not to the provincial council (by name prefix)."""


class CommuneKind(StrEnum):
    """The kinds of commune-level government since 1 July 2025."""

    XA = "xã"
    PHUONG = "phường"
    DAC_KHU = "đặc khu"


@dataclass(frozen=True, slots=True)
class OfficeFacts:
    """What the office's own data says about where it stands.

    Attributes:
        name: The office's name, e.g. "UBND phường Hồng Gai" or "Bộ phận Một cửa xã Tiên Yên".
        governing_body: e.g. "UBND TỈNH QUẢNG NINH" or "UBND XÃ TIÊN YÊN".
        place_name: The province, e.g. "Quảng Ninh".
    """

    name: str
    governing_body: str
    place_name: str


@dataclass(frozen=True, slots=True)
class HandlingAgency:
    """One agency as a form prints it.

    Attributes:
        name: Its own name, once, in normal case: "Phòng Kinh tế, Hạ tầng và Đô thị".
        governing_body: The body above it in the header: "UBND phường Hồng Gai".
    """

    name: str
    governing_body: str


def commune_of(office: OfficeFacts) -> tuple[CommuneKind, str] | None:
    """The commune government the office belongs to, from its name or governing body.

    Returns:
        Its kind and its name as written ("UBND phường Hồng Gai"), or None for an office above
        the commune (a provincial service centre).
    """
    for pattern in (_COMMUNE, _BARE_COMMUNE):
        for text in (office.name, office.governing_body):
            for part in re.split(r"\s+[-–]\s+|,\s*", nfc(text)):
                match = pattern.search(part.removesuffix(" (DEMO)").strip())
                if match is not None:
                    kind = CommuneKind(match.group(1).lower())
                    return kind, f"UBND {kind.value} {match.group(2).strip()}"
    return None


def _variants(label: str) -> list[tuple[str, str]]:
    """ "A (q1) / B (q2)" → [("A", "q1"), ("B", "q2")]; no parenthesis → ("A", "")."""
    out = []
    for part in nfc(label).split(" / "):
        match = _VARIANT.match(part.strip())
        out.append((match["main"].strip(), match["qualifier"].strip()) if match else (part.strip(), ""))
    return [v for v in out if v[0]]


def _pick(variants: list[tuple[str, str]], kind: CommuneKind | None) -> tuple[str, str]:
    """The variant whose qualifier names the office's kind of commune (đặc khu counts as xã)."""
    if kind is not None:
        word = CommuneKind.PHUONG.value if kind is CommuneKind.PHUONG else CommuneKind.XA.value
        for main, qualifier in variants:
            if re.search(rf"\b{word}\b", qualifier, re.IGNORECASE):
                return main, qualifier
    return variants[0]


def _province_council(office: OfficeFacts) -> str:
    body = nfc(office.governing_body).strip()
    if _PROVINCE_COUNCIL.match(body):
        return body
    return f"UBND tỉnh {nfc(office.place_name).strip()}" if office.place_name.strip() else body


def handling_agency(department_name: str, level: str, office: OfficeFacts) -> HandlingAgency:
    """The agency and its governing body as form 04's header and text name them.

    Args:
        department_name: The office's name for the department, or the catalog's label.
        level: The department's level: "xa" (commune), "tinh" (province) or "" (unknown).
        office: The office's own data (its commune, or none for a provincial centre).

    Returns:
        One name, never the catalog's "A / B" alternatives; the governing body from the label's
        parenthesis, else the office's commune government for a commune department, else the
        provincial council (or the ministry over a provincial police).
    """
    commune = commune_of(office)
    variants = _variants(department_name)
    if not variants:
        return HandlingAgency(nfc(office.name).removesuffix(" (DEMO)"), nfc(office.governing_body))
    main, qualifier = _pick(variants, commune[0] if commune else None)
    is_commune = level == "xa" or bool(qualifier and _COUNCIL.match(qualifier))
    local = commune[1] if commune else nfc(office.governing_body)
    if qualifier and _COUNCIL.match(qualifier):
        return HandlingAgency(main, local)  # "(UBND xã)": the level, not a name
    if qualifier and _PARENT.match(main) and _SUB_UNIT.match(qualifier):
        return HandlingAgency(qualifier, main)  # "Sở Tài chính (Phòng Đăng ký kinh doanh)"
    if qualifier:
        return HandlingAgency(main, qualifier)  # "Văn phòng Đăng ký đất đai (Sở Nông nghiệp và Môi trường)"
    if is_commune:
        return HandlingAgency(main, local)
    if main.lower().endswith(" tỉnh") and office.place_name.strip():
        main = f"{main} {nfc(office.place_name).strip()}"  # "Công an tỉnh" → "Công an tỉnh Quảng Ninh"
    ministry = next((m for prefix, m in _MINISTRY_OF.items() if main.lower().startswith(prefix)), None)
    return HandlingAgency(main, ministry or _province_council(office))
