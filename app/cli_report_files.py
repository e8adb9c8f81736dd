"""`motcua report register|period --out FILE`: the register and Biểu II.06a as .pdf or .xlsx (no Qt)."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.cli_report import USAGE_ERROR, UsageError, parse_day
from app.cli_vi import ViArgumentParser
from app.errors import UserFacingError

USAGE = """\
  motcua report register (--year NĂM | --from YYYY-MM-DD --to YYYY-MM-DD) --out TỆP.pdf|TỆP.xlsx
  motcua report period --from YYYY-MM-DD --to YYYY-MM-DD --out TỆP.pdf|TỆP.xlsx"""
SUFFIXES = (".pdf", ".xlsx")


def output_kind(out: Path) -> str:
    """ "pdf" or "xlsx" from the file's suffix.

    Raises:
        UsageError: Any other suffix.
    """
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(
            f"Tệp “{out}” phải có đuôi .pdf (để in) hoặc .xlsx (để mở bằng Excel), ví dụ --out so-2026.pdf."
        )
    return suffix[1:]


def parse_year(text: str) -> int:
    """A year "2026".

    Raises:
        UsageError: Not a whole number.
    """
    if not text.strip().isdigit():
        raise UsageError(f"Năm “{text}” không hợp lệ: hãy nhập năm bằng số, ví dụ --year 2026.")
    return int(text)


def write_file(out: Path, produce: Callable[[io.BytesIO], None]) -> None:
    """Produce the whole file in memory, then write it (a failed run leaves no half-written file).

    Raises:
        UserFacingError: The file cannot be written.
    """
    buffer = io.BytesIO()
    produce(buffer)
    try:
        out.write_bytes(buffer.getvalue())
    except OSError as exc:
        raise UserFacingError(
            f"Không ghi được tệp {out}: {exc.strerror or exc}. Hãy kiểm tra thư mục, đóng tệp nếu đang mở, "
            "hoặc chọn nơi lưu khác."
        ) from exc


def _parser(command: str) -> ViArgumentParser:
    parser = ViArgumentParser(prog=f"motcua report {command}")
    if command == "register":
        parser.add_argument("--year", help="năm của sổ, ví dụ 2026 (hoặc dùng --from và --to)")
        parser.add_argument("--from", dest="start", help="ngày đầu, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="ngày cuối, YYYY-MM-DD")
    else:
        parser.add_argument("--from", dest="start", required=True, help="ngày đầu kỳ, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="ngày cuối kỳ, YYYY-MM-DD")
    parser.add_argument("--out", required=True, type=Path, help="tệp kết quả: .pdf hoặc .xlsx")
    return parser


def _register_period(year: str | None, start: str | None, end: str | None) -> tuple[date, date]:
    from app.services.register import year_period

    if year is not None:
        if start is not None or end is not None:
            raise UsageError("Chỉ dùng --year, hoặc --from và --to, không dùng cả hai.")
        return year_period(parse_year(year))
    if start is None or end is None:
        raise UsageError("Hãy cho biết năm của sổ (--year 2026) hoặc khoảng ngày (--from … --to …).")
    return parse_day(start, "Ngày đầu (--from)"), parse_day(end, "Ngày cuối (--to)")


def run(argv: list[str], data_dir: Path) -> int:
    """`motcua report register …` or `motcua report period …`; exit 2 for a usage error, 1 if not written."""
    from app.store.db import open_database, session_factory

    command = argv[0] if argv else ""
    if command not in ("register", "period"):
        print("Cách dùng:\n" + USAGE, file=sys.stderr)
        return USAGE_ERROR
    args = _parser(command).parse_args(argv[1:])
    now = datetime.now().replace(microsecond=0)
    try:
        out: Path = args.out
        kind = output_kind(out)
        if command == "register":
            start, end = _register_period(args.year, args.start, args.end)
        else:
            start, end = parse_day(args.start, "Ngày đầu kỳ (--from)"), parse_day(args.end, "Ngày cuối kỳ (--to)")
        if not (data_dir / "motcua.db").exists():
            raise UsageError(f"Không có dữ liệu trong thư mục {data_dir}. Hãy chỉ đúng thư mục bằng --data-dir.")
        factory = session_factory(open_database(data_dir / "motcua.db"))
        with factory() as session:
            produce, count = _producer(session, command, kind, start, end, now)
    except UserFacingError as exc:
        print(exc.message, file=sys.stderr)
        return USAGE_ERROR
    try:
        write_file(out, produce)
    except UserFacingError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"Đã ghi {out} ({count}).")
    return 0


def _producer(
    session: Session, command: str, kind: str, start: date, end: date, now: datetime
) -> tuple[Callable[[io.BytesIO], None], str]:
    """What writes the file, and how much it holds ("… hồ sơ"); the data is read here, in the session."""
    from app.printing import period_report, register, xlsx
    from app.services.register import build_register
    from app.services.report_documents import build_period_document

    if command == "register":
        reg = build_register(session, start, end, now)
        if not reg.rows:
            raise UsageError(
                f"Không có hồ sơ nào vào sổ từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}."
                " Hãy chọn năm hoặc khoảng ngày khác."
            )
        if kind == "pdf":
            return (lambda b: register.render(reg, b)), f"{len(reg.rows)} hồ sơ"
        return (lambda b: xlsx.save_register(reg, b)), f"{len(reg.rows)} hồ sơ"
    doc = build_period_document(session, start, end, now)
    if doc.report.empty:
        raise UsageError(f"Kỳ từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y} không có hồ sơ nào. Hãy chọn kỳ khác.")
    what = f"{doc.report.total.received_total} hồ sơ, {len(doc.late)} hồ sơ quá hạn"
    if kind == "pdf":
        return (lambda b: period_report.render(doc, b)), what
    return (lambda b: xlsx.save(xlsx.period_workbook(doc), b)), what
