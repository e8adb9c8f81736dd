"""Procedure catalog (danh mục thủ tục hành chính): loading, validation and accent-blind search."""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from app.domain.applicant_kinds import DEFAULT_POLICY, ApplicantPolicy
from app.domain.durations import DurationUnit, ProcessingTime
from app.domain.fees import EMPTY_SCHEDULE, FeeDataError, FeeSchedule, parse_schedule
from app.domain.units import (
    NO_UNITS,
    ProcedureUnits,
    Unit,
    UnitError,
    current_by_code,
    read_procedure_units,
    read_units,
)
from app.errors import UserFacingError
from app.resources import resource_path
from app.text import fold, nfc

CATALOG_RELATIVE_PATH = Path("catalog") / "procedures.json"

# National codes look like 1.001193 or 2.000815, sometimes with a local suffix (1.000948.H38).
_CODE = re.compile(r"^\d\.\d{6}(?:\.[0-9A-Za-z]+)*$")
_CUTOFF = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# A search word: letters/digits, dots allowed inside so that "2.000815" stays one word.
_WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*")

_E = TypeVar("_E", bound=StrEnum)


class DocumentForm(StrEnum):
    """In which form a document of the dossier is submitted (column "Bản chính/Bản sao" of form 01)."""

    BAN_CHINH = "ban_chinh"
    BAN_SAO = "ban_sao"
    BAN_SAO_CHUNG_THUC = "ban_sao_chung_thuc"
    BAN_CHINH_HOAC_BAN_SAO = "ban_chinh_hoac_ban_sao"
    TO_KHAI = "to_khai"

    @property
    def label(self) -> str:
        return _FORM_LABELS[self]


_FORM_LABELS = {
    DocumentForm.BAN_CHINH: "Bản chính",
    DocumentForm.BAN_SAO: "Bản sao",
    DocumentForm.BAN_SAO_CHUNG_THUC: "Bản sao có chứng thực",
    DocumentForm.BAN_CHINH_HOAC_BAN_SAO: "Bản chính hoặc bản sao",
    DocumentForm.TO_KHAI: "Bản chính (tờ khai)",
}


class Digitise(StrEnum):
    """Whether a paper of the dossier must be scanned at reception (Decree 118/2025: per document).

    A paper only shown to the officer (xuất trình: an ID card, a licence to be exchanged) stays with the
    citizen and a classified one may not be scanned: both are exempt, and a dossier none of whose
    submitted papers must be scanned is not in indicator 4.2's denominator.
    """

    REQUIRED = "required"
    SHOWN = "shown"
    CLASSIFIED = "classified"

    @property
    def exempt(self) -> bool:
        """Not scanned: only shown, or classified."""
        return self is not Digitise.REQUIRED

    @property
    def label(self) -> str:
        return _DIGITISE_LABELS[self]


_DIGITISE_LABELS = {
    Digitise.REQUIRED: "Phải số hoá",
    Digitise.SHOWN: "Chỉ xuất trình, không số hoá",
    Digitise.CLASSIFIED: "Tài liệu mật, không số hoá",
}


class AdminLevel(StrEnum):
    """The two local levels of government since 1 July 2025."""

    TINH = "tinh"
    XA = "xa"

    @property
    def label(self) -> str:
        return "Cấp tỉnh" if self is AdminLevel.TINH else "Cấp xã"


@dataclass(frozen=True, slots=True)
class RequiredDocument:
    """One item of a procedure's dossier (thành phần hồ sơ)."""

    name: str
    form: DocumentForm
    copies: int
    required: bool
    digitise: Digitise = Digitise.REQUIRED


@dataclass(frozen=True, slots=True)
class Department:
    """The agency or unit that decides a procedure (cơ quan giải quyết)."""

    code: str
    name: str
    level: AdminLevel


@dataclass(frozen=True, slots=True)
class Procedure:
    """One administrative procedure (thủ tục hành chính) as published in the national database."""

    code: str
    name: str
    field: str
    level: AdminLevel
    processing: ProcessingTime
    fee_amount: int | None
    fee_text: str
    department: Department
    documents: tuple[RequiredDocument, ...]
    legal_basis: str
    verified: bool
    note: str
    applicants: ApplicantPolicy = DEFAULT_POLICY
    fees: FeeSchedule = EMPTY_SCHEDULE  # fee lines and exemptions (app.domain.fees); empty: charged as before
    units: ProcedureUnits = NO_UNITS  # handling units, where received (app.domain.units); none: the office decides

    @property
    def level_label(self) -> str:
        """ "Cấp tỉnh" or "Cấp xã"."""
        return self.level.label


class CatalogError(UserFacingError):
    """The catalog file or data is missing or malformed; the message says where, in Vietnamese."""

    def __init__(self, message: str, *, procedure: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.procedure = procedure
        self.field = field


_FIELD_LABELS = {
    "version": "phiên bản danh mục",
    "legal_note": "ghi chú pháp lý",
    "departments": "danh sách cơ quan",
    "procedures": "danh sách thủ tục",
    "code": "mã",
    "name": "tên",
    "field": "lĩnh vực",
    "level": "cấp thực hiện",
    "processing": "thời hạn giải quyết",
    "processing.value": "thời hạn giải quyết",
    "processing.unit": "đơn vị tính thời hạn",
    "processing.cutoff": "giờ chốt nhận hồ sơ",
    "fee": "phí, lệ phí",
    "fee.amount": "mức phí, lệ phí",
    "fee.text": "nội dung phí, lệ phí",
    "department": "cơ quan giải quyết",
    "documents": "thành phần hồ sơ",
    "form": "hình thức giấy tờ",
    "copies": "số lượng bản",
    "required": "bắt buộc",
    "digitise": "số hoá",
    "legal_basis": "căn cứ pháp lý",
    "verified": "trạng thái kiểm chứng",
    "note": "ghi chú",
    "applicant_kinds": "loại người nộp hồ sơ",
    "old_id_allowed": "nhận số chứng minh nhân dân cũ",
}


class _Reader:
    """Reads typed values out of one JSON object, raising CatalogError that names where it failed."""

    def __init__(self, data: object, where: str, subject: str | None, prefix: str = "") -> None:
        self.where, self.subject, self.prefix = where, subject, prefix
        if not isinstance(data, Mapping):
            self.fail("", "phải là một đối tượng JSON")
        self.data: Mapping[str, Any] = data

    def fail(self, key: str, problem: str) -> NoReturn:
        path = f"{self.prefix}{key}".strip(".")
        label = _FIELD_LABELS.get(path) or _FIELD_LABELS.get(key) or path
        field_text = f", trường {label} ({path})" if path else ""
        raise CatalogError(
            f"Danh mục thủ tục không hợp lệ: {self.where}{field_text} {problem}.",
            procedure=self.subject,
            field=path or None,
        )

    def raw(self, key: str, *, optional: bool = False) -> Any:
        if key not in self.data or (self.data[key] is None and not optional):
            self.fail(key, "bị thiếu")
        return self.data.get(key)

    def text(self, key: str, *, optional: bool = False) -> str:
        value = self.raw(key, optional=optional)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(key, "phải là chuỗi ký tự")
        normalised = nfc(value)
        if not normalised and not optional:
            self.fail(key, "không được để trống")
        return normalised

    def flag(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            self.fail(key, "phải là true hoặc false")
        return bool(value)

    def integer(self, key: str, *, minimum: int, optional: bool = False) -> int | None:
        value = self.raw(key, optional=optional)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, "phải là số nguyên")
        if value < minimum:
            self.fail(key, f"không được nhỏ hơn {minimum}")
        return int(value)

    def items(self, key: str) -> Sequence[Any]:
        value = self.raw(key)
        if not isinstance(value, list) or not value:
            self.fail(key, "phải là danh sách có ít nhất một mục")
        return value

    def choice(self, key: str, enum: type[_E]) -> _E:
        value = self.raw(key)
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self.fail(key, f"có giá trị “{value}” không hợp lệ (chỉ nhận: {allowed})")


def _read_department(data: object, index: int) -> Department:
    reader = _Reader(data, f"cơ quan thứ {index + 1}", None)
    return Department(reader.text("code"), reader.text("name"), reader.choice("level", AdminLevel))


def _read_procedure(
    data: object, index: int, departments: Mapping[str, Department], units: Mapping[str, Unit] | None = None
) -> Procedure:
    code = data.get("code") if isinstance(data, Mapping) else None
    subject = nfc(code) if isinstance(code, str) and code.strip() else f"#{index + 1}"
    where = f"thủ tục {subject}" if subject[0] != "#" else f"thủ tục thứ {index + 1}"
    reader = _Reader(data, where, subject)
    code = reader.text("code")
    if not _CODE.match(code):
        reader.fail("code", f"“{code}” không đúng dạng mã thủ tục quốc gia (ví dụ 1.001193)")
    name, field = reader.text("name"), reader.text("field")
    level = reader.choice("level", AdminLevel)
    processing = _read_processing(_Reader(reader.raw("processing"), where, subject, "processing."))
    fee = _Reader(reader.raw("fee"), where, subject, "fee.")
    fee_amount, fee_text = fee.integer("amount", minimum=0, optional=True), fee.text("text")
    department_code = reader.text("department")
    department = departments.get(department_code)
    if department is None:
        reader.fail("department", f"tham chiếu cơ quan “{department_code}” không có trong danh sách cơ quan")
    documents = tuple(_read_document(item, i, where, subject) for i, item in enumerate(reader.items("documents")))
    return Procedure(
        code=code,
        name=name,
        field=field,
        level=level,
        processing=processing,
        fee_amount=fee_amount,
        fee_text=fee_text,
        department=department,
        documents=documents,
        legal_basis=reader.text("legal_basis"),
        verified=reader.flag("verified"),
        note=reader.text("note", optional=True),
        applicants=_read_applicants(reader),
        fees=_read_fees(reader),
        units=_read_units_of(reader, units or {}, departments, level),
    )


def _read_units_of(
    reader: _Reader, units: Mapping[str, Unit], departments: Mapping[str, Department], level: AdminLevel
) -> ProcedureUnits:
    """The optional ``handling`` and ``receive_at`` (app.domain.units)."""
    try:
        return read_procedure_units(reader.data, units, departments, level.value, reader.where)
    except UnitError as exc:
        raise CatalogError(exc.message, procedure=reader.subject, field="handling") from None


def _read_fees(reader: _Reader) -> FeeSchedule:
    """The optional ``fee_lines`` and ``fee_exemptions`` (app.domain.fees)."""
    try:
        return parse_schedule(reader.data.get("fee_lines"), reader.data.get("fee_exemptions"))
    except FeeDataError as exc:
        raise CatalogError(
            f"Danh mục thủ tục không hợp lệ: {reader.where}, {exc.label} ({exc.key}) {exc.problem}.",
            procedure=reader.subject,
            field=exc.key,
        ) from None


def _read_applicants(reader: _Reader) -> ApplicantPolicy:
    """The optional ``applicant_kinds`` (default: citizens and representatives) and ``old_id_allowed``."""
    old_id = reader.data.get("old_id_allowed", False)
    if not isinstance(old_id, bool):
        reader.fail("old_id_allowed", "phải là true hoặc false")
    names = reader.data.get("applicant_kinds")
    if names is None:
        return ApplicantPolicy(old_id=old_id)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        reader.fail("applicant_kinds", "phải là danh sách chuỗi ký tự")
    try:
        return ApplicantPolicy.from_names(names, old_id=old_id)
    except ValueError:
        reader.fail(
            "applicant_kinds",
            "phải có ít nhất một trong citizen, foreigner, organisation (và có thể thêm representative)",
        )


def _read_processing(reader: _Reader) -> ProcessingTime:
    value = reader.raw("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        reader.fail("value", "phải là một số")
    if value < 0:
        reader.fail("value", "không được âm")
    unit = reader.choice("unit", DurationUnit)
    cutoff_text = reader.text("cutoff", optional=True)
    cutoff = None
    if cutoff_text:
        match = _CUTOFF.match(cutoff_text)
        if match is None:
            reader.fail("cutoff", f"“{cutoff_text}” phải có dạng giờ:phút, ví dụ 15:00")
        cutoff = time(int(match[1]), int(match[2]))
    return ProcessingTime(float(value), unit, cutoff)


def _read_document(data: object, index: int, where: str, subject: str) -> RequiredDocument:
    reader = _Reader(data, f"{where}, giấy tờ thứ {index + 1}", subject, "documents.")
    return RequiredDocument(
        name=reader.text("name"),
        form=reader.choice("form", DocumentForm),
        copies=reader.integer("copies", minimum=1) or 1,
        required=reader.flag("required"),
        digitise=reader.choice("digitise", Digitise) if "digitise" in reader.data else Digitise.REQUIRED,
    )


def _words(value: str) -> list[str]:
    return _WORD.findall(fold(value))


def _prefix_range(sorted_keys: Sequence[str], prefix: str) -> tuple[int, int]:
    """The [lo, hi) slice of ``sorted_keys`` that start with ``prefix``."""
    return bisect_left(sorted_keys, prefix), bisect_left(sorted_keys, prefix + "\U0010ffff")


class _SearchIndex:
    """Inverted index of folded words (name, field, code); positions are ranks in name order.

    Keeping postings as sets of ranks lets intersections and ordering run in C, so a search over a
    few thousand procedures costs well under a millisecond even when most of them match.
    """

    def __init__(self, procedures: Sequence[Procedure]) -> None:
        # Fold each text once: folding dominates the cost of building the index.
        entries = []
        for p in procedures:
            name, field, code = fold(p.name), fold(p.field), fold(p.code)
            name_words = _WORD.findall(name)
            words = name_words + _WORD.findall(field) + _WORD.findall(code)
            entries.append(((" ".join(name_words), name, p.name, p.code), field, code, words, p))
        entries.sort(key=lambda entry: entry[0])
        self.ranked = [entry[-1] for entry in entries]
        self.name_keys = [entry[0][0] for entry in entries]
        self.code_keys = [entry[2] for entry in entries]
        by_field = sorted(range(len(entries)), key=lambda rank: (entries[rank][1], rank))
        self.by_field = [self.ranked[rank] for rank in by_field]
        self.rank_by_code = {code: rank for rank, code in enumerate(self.code_keys)}
        self.sorted_codes = sorted(self.rank_by_code)
        self.code_ranks = [self.rank_by_code[code] for code in self.sorted_codes]
        postings: dict[str, set[int]] = {}
        for rank, entry in enumerate(entries):
            for word in entry[3]:
                postings.setdefault(word, set()).add(rank)
        self.words = sorted(postings)
        self.word_postings = [postings[word] for word in self.words]
        # Every suffix of 3+ characters, sorted: "contains token" becomes "a suffix starts with token".
        suffixes = sorted((word[i:], word) for word in postings for i in range(len(word) - 2))
        self.suffixes = [suffix for suffix, _ in suffixes]
        self.suffix_postings = [postings[word] for _, word in suffixes]

    def matching(self, token: str) -> set[int]:
        """Ranks having a word that starts with ``token`` (or, for 3+ characters, contains it)."""
        if len(token) >= 3:
            found = self.suffix_postings[slice(*_prefix_range(self.suffixes, token))]
        else:
            found = self.word_postings[slice(*_prefix_range(self.words, token))]
        return set().union(*found)

    def starting_with(self, phrase: str) -> set[int]:
        """Ranks whose name or code starts with ``phrase``."""
        found = set(range(*_prefix_range(self.name_keys, phrase)))
        found.update(self.code_ranks[slice(*_prefix_range(self.sorted_codes, phrase))])
        return found

    def search(self, tokens: list[str], limit: int) -> list[Procedure]:
        matches = sorted((self.matching(t) for t in dict.fromkeys(tokens)), key=len)
        candidates = matches[0].intersection(*matches[1:])
        if not candidates:
            return []
        phrase = " ".join(tokens)
        exact = self.rank_by_code.get(phrase)
        first = [exact] if exact in candidates else []
        prefixed = sorted((self.starting_with(phrase) & candidates) - set(first))
        results = first + prefixed
        if len(results) >= limit:
            return [self.ranked[rank] for rank in results[:limit]]
        # Tiers 2 (all words in order in the name) and 3 (the rest), each in name order: scan in
        # name order and stop as soon as tier 2 alone could fill the page.
        in_order = re.compile(".*?".join(re.escape(t) for t in tokens))
        need = limit - len(results)
        ordered: list[int] = []
        others: list[int] = []
        for rank in sorted(candidates.difference(results)):
            if in_order.search(self.name_keys[rank]):
                ordered.append(rank)
                if len(ordered) >= need:
                    break
            elif len(others) < need:
                others.append(rank)
        results += (ordered + others)[:need]
        return [self.ranked[rank] for rank in results]


class Catalog:
    """The validated procedure catalog with a precomputed search index.

    Build it with :func:`load_catalog` (from the shipped JSON file) or :meth:`from_dicts`
    (from data already parsed, e.g. received from the server).
    """

    def __init__(
        self,
        version: str,
        legal_note: str,
        departments: Sequence[Department],
        procedures: Sequence[Procedure],
        units: Sequence[Unit] = (),
    ) -> None:
        self.version = version
        self.legal_note = legal_note
        self.departments: tuple[Department, ...] = tuple(departments)
        self.procedures: tuple[Procedure, ...] = tuple(procedures)
        self.units: tuple[Unit, ...] = tuple(units)  # the province's units (app.domain.units); () in old catalogs
        self.unit_by_code: dict[str, Unit] = current_by_code(self.units)
        self._by_code = {p.code: p for p in self.procedures}
        self._index = _SearchIndex(self.procedures)

    @classmethod
    def from_dicts(cls, data: Mapping[str, Any]) -> Catalog:
        """Validate parsed catalog data (the JSON shape of resources/catalog/procedures.json).

        Raises:
            CatalogError: naming the procedure and field that is wrong.
        """
        reader = _Reader(data, "tệp danh mục", None)
        version = reader.text("version")
        legal_note = reader.text("legal_note", optional=True)
        departments: dict[str, Department] = {}
        for i, item in enumerate(reader.items("departments")):
            department = _read_department(item, i)
            if department.code in departments:
                raise CatalogError(
                    f"Danh mục thủ tục không hợp lệ: mã cơ quan “{department.code}” bị trùng.",
                    field="departments.code",
                )
            departments[department.code] = department
        try:
            units = read_units(data.get("units"))
        except UnitError as exc:
            raise CatalogError(exc.message, field="units") from None
        by_code = current_by_code(units)
        procedures: dict[str, Procedure] = {}
        for i, item in enumerate(reader.items("procedures")):
            procedure = _read_procedure(item, i, departments, by_code)
            if procedure.code in procedures:
                raise CatalogError(
                    f"Danh mục thủ tục không hợp lệ: mã thủ tục {procedure.code} bị trùng "
                    f"(“{procedures[procedure.code].name}” và “{procedure.name}”).",
                    procedure=procedure.code,
                    field="code",
                )
            procedures[procedure.code] = procedure
        return cls(version, legal_note, list(departments.values()), list(procedures.values()), units)

    def __len__(self) -> int:
        return len(self.procedures)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self.procedures)

    @property
    def fields(self) -> list[str]:
        """Distinct fields (lĩnh vực), sorted accent-blind."""
        return sorted({p.field for p in self.procedures}, key=lambda f: (fold(f), f))

    def get(self, code: str) -> Procedure | None:
        """The procedure with exactly this code (case and surrounding spaces ignored), or None."""
        found = self._by_code.get(nfc(code))
        if found is None and (rank := self._index.rank_by_code.get(fold(code))) is not None:
            found = self._index.ranked[rank]
        return found

    def search(self, query: str, limit: int = 50) -> list[Procedure]:
        """Accent-blind search over name, field and code.

        Every query word must match the start of a word, or (for words of 3+ characters) any part
        of a word. Ranking: exact code; name or code starting with the query; all words in order
        in the name; the rest; ties by name. A blank query lists everything by field, then name.
        """
        if limit <= 0:
            return []
        tokens = _words(query)
        if not tokens:
            return self._index.by_field[:limit]
        return self._index.search(tokens, limit)


def default_catalog_path() -> Path:
    """resources/catalog/procedures.json of the checkout, or of the PyInstaller bundle when frozen."""
    return resource_path(*CATALOG_RELATIVE_PATH.parts)


def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate the catalog JSON file (UTF-8).

    Raises:
        CatalogError: the file is missing, unreadable, not JSON, or its content is invalid.
    """
    path = path or default_catalog_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CatalogError(f"Không tìm thấy tệp danh mục thủ tục: {path}") from None
    except OSError as exc:
        raise CatalogError(f"Không đọc được tệp danh mục thủ tục {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise CatalogError(f"Tệp danh mục thủ tục {path} không phải văn bản UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(
            f"Tệp danh mục thủ tục {path} không đúng định dạng JSON (dòng {exc.lineno}, cột {exc.colno})."
        ) from None
    if not isinstance(data, Mapping):
        raise CatalogError(f"Tệp danh mục thủ tục {path} phải chứa một đối tượng JSON.")
    return Catalog.from_dicts(data)
