"""`motcua report kpi|dossiers`: the period's indicators and counted dossiers on the command line (no Qt)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from app.cli_vi import ViArgumentParser
from app.domain.indicators import Channel, Period, norm_text, percent_text
from app.errors import UserFacingError

USAGE = """\
  motcua report kpi --from YYYY-MM-DD --to YYYY-MM-DD [--json]
  motcua report dossiers --from YYYY-MM-DD --to YYYY-MM-DD --json
  motcua report register (--year NĂM | --from YYYY-MM-DD --to YYYY-MM-DD) --out TỆP.pdf|TỆP.xlsx
  motcua report period --from YYYY-MM-DD --to YYYY-MM-DD --out TỆP.pdf|TỆP.xlsx"""

USAGE_ERROR = 2


class UsageError(UserFacingError):
    """A bad date or period on the command line."""


def parse_day(text: str, what: str) -> date:
    """A YYYY-MM-DD date.

    Raises:
        UsageError: it does not parse.
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{what} “{text}” không đúng dạng YYYY-MM-DD (ví dụ 2026-01-31).") from None


def _parser(command: str) -> ViArgumentParser:
    parser = ViArgumentParser(prog=f"motcua report {command}")
    parser.add_argument("--from", dest="start", required=True, help="ngày đầu kỳ, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, help="ngày cuối kỳ, YYYY-MM-DD")
    parser.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    return parser


def _when(value: Any) -> str | None:
    return value.isoformat(timespec="minutes") if value is not None else None


def _ratio(r: Any) -> dict[str, Any]:
    return {"percent": r.percent, "numerator": r.numerator, "denominator": r.denominator}


def _indicators_json(ind: Any) -> dict[str, Any]:
    return {
        "key": ind.key,
        "name": ind.name,
        "counted": ind.counted,
        "on_time": _ratio(ind.on_time) | {"score": ind.on_time_score},
        "channels": {ch.name.lower(): _ratio(r) for ch, r in ind.channels.items()},
        "digitised": _ratio(ind.digitised) | {"score": ind.digitised_score},
        "dissatisfied": _ratio(ind.dissatisfied),
        "satisfaction": {"percent": ind.satisfaction, "score": ind.satisfaction_score},
        "processing": [
            {
                "procedure_code": p.procedure_code,
                "procedure_name": p.procedure_name,
                "unit": str(p.unit) if p.unit else None,
                "finished": p.finished,
                "average": p.average,
                "legal": p.legal,
                "faster_percent": p.faster_percent,
            }
            for p in ind.processing
        ],
    }


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


def _kpi_text(report: Any) -> str:
    o = report.office
    lines = [
        f"CHỈ SỐ GIẢI QUYẾT TTHC – {o.name or o.key}",
        f"Kỳ: từ ngày {report.start:%d/%m/%Y} đến ngày {report.end:%d/%m/%Y}; {o.counted} hồ sơ được tính.",
        f"2.1 Đúng hạn: {o.on_time.text()} ({o.on_time.numerator}/{o.on_time.denominator}),"
        f" điểm {_score(o.on_time_score)}/20",
        "3.3 Kênh tiếp nhận: "
        + "; ".join(f"{ch.label} {r.text()} ({r.numerator}/{r.denominator})" for ch, r in o.channels.items()),
        f"4.2 Số hoá: {o.digitised.text()} ({o.digitised.numerator}/{o.digitised.denominator})",
        f"5.4 Hài lòng: {percent_text(o.satisfaction)} (quá hạn {o.late.text()},"
        f" không hài lòng {o.dissatisfied.text()})",
        "2.2 Thời gian giải quyết trung bình theo thủ tục:",
    ]
    for p in o.processing:
        unit = p.unit.label if p.unit else ""
        avg = "—" if p.average is None else f"{p.average:g}".replace(".", ",")
        faster = "" if p.faster_percent is None else f", {norm_text(p.faster_percent)}"
        lines.append(f"  {p.procedure_code} {p.procedure_name}: {avg} {unit} ({p.finished} hồ sơ){faster}")
    if not o.processing:
        lines.append("  — (chưa có hồ sơ tiếp nhận trong kỳ đã giải quyết xong)")
    for dim, groups in report.groups.items():
        lines.append(f"Theo {dim.label.lower()}:")
        for g in groups:
            lines.append(
                f"  {g.name}: {g.counted} hồ sơ, đúng hạn {g.on_time.text()}, hài lòng {percent_text(g.satisfaction)}"
            )
    return "\n".join(lines)


def run(argv: list[str], data_dir: Path) -> int:
    """`motcua report kpi …` or `motcua report dossiers …`; exit 2 for a usage error."""
    from app.services.reports import counted_dossiers, kpi
    from app.store.db import open_database, session_factory

    if not argv or argv[0] in ("-h", "--help"):
        print("Cách dùng:\n" + USAGE)
        return 0
    if argv[0] not in ("kpi", "dossiers"):
        print(f"Không có lệnh “motcua report {argv[0]}”. Cách dùng:\n" + USAGE, file=sys.stderr)
        return USAGE_ERROR
    command = argv[0]
    args = _parser(command).parse_args(argv[1:])
    try:
        start = parse_day(args.start, "Ngày đầu kỳ (--from)")
        end = parse_day(args.end, "Ngày cuối kỳ (--to)")
        if not (data_dir / "motcua.db").exists():
            raise UsageError(f"Không có dữ liệu trong thư mục {data_dir}. Hãy chỉ đúng thư mục bằng --data-dir.")
        factory = session_factory(open_database(data_dir / "motcua.db"))
        with factory() as session:
            items = counted_dossiers(session, start, end)
            if not items:
                raise UsageError(
                    f"Kỳ từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y} không có hồ sơ nào. Hãy chọn kỳ khác."
                )
            report = kpi(session, start, end) if command == "kpi" else None
    except UserFacingError as exc:
        print(exc.message, file=sys.stderr)
        return USAGE_ERROR
    if report is not None:
        if args.json:
            payload = {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "office": _indicators_json(report.office),
                "groups": {d.value: [_indicators_json(g) for g in gs] for d, gs in report.groups.items()},
            }
            print(json.dumps(payload, ensure_ascii=False, indent=1))
        else:
            print(_kpi_text(report))
        return 0
    closes = Period(start, end).closes
    rows = [
        {
            "code": c.facts.code,
            "channel": int(c.facts.channel),
            "channel_label": Channel(c.facts.channel).label,
            "received_at": _when(c.facts.received_at),
            "due_at": _when(c.facts.due_at),
            "end_at": _when(c.facts.end_at) if c.cls.resolved else None,
            "supplement_requests": sum(1 for s in c.facts.supplements if s.requested_at < closes),
            "status": int(c.facts.status),
            "class": c.cls.value,
            "carried_over": c.carried_over,
            "uid": c.facts.uid,
        }
        for c in items
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for r in rows:
            print(f"{r['code']}\t{r['received_at']}\t{r['due_at'] or '—'}\t{r['end_at'] or '—'}\t{r['class']}")
    return 0
