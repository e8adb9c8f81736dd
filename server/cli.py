"""``motcua-server``: run the server (uvicorn) or administer it (``motcua-server admin …``).

Settings come from the environment (``MOTCUA_SERVER_*``, see server/config.py). User errors are
one Vietnamese line on stderr and a non-zero exit code (2 bad arguments, 1 refused), never a
traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.cli_vi import ViArgumentParser
from app.errors import UserFacingError
from server.extras import exit_without_server_part

try:  # a plain install lacks the server's libraries: one line on how to add them, no traceback
    from server import admin
    from server.config import Settings
    from server.context import utc_now
    from server.db import make_engine, session_factory, transaction
    from server.errors import ApiError
except ModuleNotFoundError as exc:  # pragma: no cover  (tests/server/test_cli_extras.py, in a subprocess)
    exit_without_server_part(exc)

if TYPE_CHECKING:
    from server.sync.quarantine import CheckReport

USAGE_ERROR, REFUSED = 2, 1


class _Parser(ViArgumentParser):
    """argparse in Vietnamese (app.cli_vi), exiting with :data:`USAGE_ERROR` on bad arguments."""


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày “{value}” không đúng dạng YYYY-MM-DD") from None


# --- serve --------------------------------------------------------------------------------------


def serve(argv: Sequence[str]) -> int:
    """``motcua-server [--host H] [--port N] [--workers N]``."""
    parser = _Parser(
        prog="motcua-server", description="Máy chủ trung tâm MotCua Desk (quản trị: motcua-server admin --help)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="địa chỉ lắng nghe (mặc định 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="cổng (mặc định 8000)")
    parser.add_argument("--workers", type=int, default=1, help="số tiến trình (chỉ với PostgreSQL)")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port: {args.port} không phải cổng hợp lệ (1–65535)")
    if args.workers < 1:
        parser.error("--workers: cần ít nhất 1")
    settings = Settings()
    if args.workers > 1 and not settings.resolved_database_url().startswith("postgresql"):
        print(
            "Nhiều tiến trình (--workers) chỉ dùng được với PostgreSQL (MOTCUA_SERVER_DATABASE_URL).", file=sys.stderr
        )
        return USAGE_ERROR
    import uvicorn

    from server.app import create_app

    app = create_app(settings)  # migrates and creates the signing key once, before any worker starts
    # uvicorn takes the client address (for its log) and scheme from the same proxies the login
    # limit trusts (server/auth.py client_address), not from its own default list.
    proxies = [str(network) for network in settings.trusted_proxies]
    if args.workers == 1:
        uvicorn.run(app, host=args.host, port=args.port, proxy_headers=True, forwarded_allow_ips=proxies)
    else:
        uvicorn.run("server.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                    forwarded_allow_ips=proxies)  # fmt: skip
    return 0


# --- admin --------------------------------------------------------------------------------------


def _admin_parser() -> _Parser:
    parser = _Parser(prog="motcua-server admin", description="Quản trị máy chủ MotCua Desk")
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("create-office", help="tạo đơn vị (Bộ phận Một cửa)")
    p.add_argument("--unit-code", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--governing-body", required=True)
    p.add_argument("--place-name", required=True)
    p.add_argument("--demo", action="store_true", help="đánh dấu là đơn vị dùng thử")

    p = sub.add_parser("create-department", help="thêm cơ quan giải quyết của đơn vị")
    p.add_argument("--unit-code", required=True)
    p.add_argument("--code", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--level", choices=["tinh", "xa"], default="")

    p = sub.add_parser("create-officer", help="tạo tài khoản cán bộ")
    p.add_argument("--unit-code", required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--full-name", required=True)
    p.add_argument("--role", required=True, choices=list(admin.ROLES))
    p.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của stdin")
    p.add_argument("--province-reports", action="store_true",
                   help="tài khoản giám sát được xem số liệu toàn tỉnh")  # fmt: skip

    p = sub.add_parser("province-reports", help="cấp hoặc thu hồi quyền xem số liệu toàn tỉnh của tài khoản giám sát")
    p.add_argument("--username", required=True)
    choice = p.add_mutually_exclusive_group(required=True)
    choice.add_argument("--grant", action="store_true", help="cấp quyền")
    choice.add_argument("--revoke", action="store_true", help="thu hồi quyền")

    p = sub.add_parser("enrol-code", help="cấp mã đăng ký máy trạm dùng một lần")
    p.add_argument("--unit-code", required=True)
    p.add_argument("--hours", type=int, default=24, help="thời hạn của mã, giờ (mặc định 24)")

    p = sub.add_parser("import-catalog", help="nhập danh mục thủ tục (JSON)")
    p.add_argument("file", nargs="?", type=Path, help="mặc định resources/catalog/procedures.json")
    p.add_argument("--unit-code", default="", help="chỉ cho một đơn vị (mặc định: mọi đơn vị)")

    p = sub.add_parser("calendar-add", help="thêm ngày nghỉ lễ hoặc ngày làm bù")
    p.add_argument("--unit-code", required=True)
    p.add_argument("--date", required=True, type=_day)
    p.add_argument("--kind", required=True, choices=["holiday", "workday"])
    p.add_argument("--name", required=True)
    p.add_argument("--ref", required=True, help="căn cứ pháp lý (số văn bản)")

    p = sub.add_parser("calendar-remove", help="xoá ngày nghỉ lễ hoặc làm bù")
    p.add_argument("--unit-code", required=True)
    p.add_argument("--date", required=True, type=_day)

    p = sub.add_parser("seed-demo", help="tạo đơn vị DEMO với các tài khoản trong README và in một mã đăng ký")
    p.add_argument("--hours", type=int, default=24)

    sub.add_parser("prune", help="xoá các sự kiện bị từ chối đã quá thời hạn lưu (rejected_retention_days)")

    p = sub.add_parser("check-feed", help="kiểm tra mọi sự kiện đã lưu của luồng đồng bộ theo hợp đồng sự kiện")
    p.add_argument("--fix", action="store_true", help="giữ lại (không gửi cho máy trạm) các sự kiện không hợp lệ")

    p = sub.add_parser("fee-audit", help="kiểm tra số biên lai thu phí, lệ phí: trùng số, ngoài dải số được cấp")
    p.add_argument("--unit", default="", help="chỉ một đơn vị (mã định danh, ví dụ 000.01.00.H49)")
    p.add_argument("--year", type=_year, help="chỉ một năm (ví dụ 2026)")
    p = sub.add_parser(
        "fee-book-start",
        help="số biên lai thu phí, lệ phí đã dùng trước khi đồng bộ (sổ giấy, máy độc lập): máy chủ cấp tiếp từ số sau",
    )
    p.add_argument("--unit", required=True, help="mã định danh đơn vị, ví dụ 000.01.00.H49")
    p.add_argument("--year", type=_year, required=True, help="năm của quyển biên lai (ví dụ 2026)")
    p.add_argument("--printed-up-to", type=_receipt_no, required=True, help="số biên lai cuối cùng đã dùng")
    return parser


def _receipt_no(value: str) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= 8_999_999:
        raise argparse.ArgumentTypeError(f"số biên lai “{value}” không hợp lệ: một số từ 1 đến 8999999")
    return int(value)


def _year(value: str) -> int:
    if not value.strip().isdigit() or not 2000 <= int(value) <= 2100:
        raise argparse.ArgumentTypeError(f"năm “{value}” không hợp lệ: ghi bốn chữ số, từ 2000 đến 2100")
    return int(value)


def _read_password(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.password_stdin:
        return stdin.readline().rstrip("\r\n")
    if not stdin.isatty():
        raise UserFacingError("Không có bàn phím để nhập mật khẩu: dùng --password-stdin và đưa mật khẩu qua stdin.")
    first = getpass.getpass("Mật khẩu: ")
    if first != getpass.getpass("Nhập lại mật khẩu: "):
        raise UserFacingError("Hai lần nhập mật khẩu không khớp.")
    return first


def _load_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UserFacingError(f"Không tìm thấy tệp {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserFacingError(f"Không đọc được tệp {path}: {exc}.") from None
    except json.JSONDecodeError as exc:
        raise UserFacingError(f"Tệp {path} không phải JSON hợp lệ (dòng {exc.lineno}, cột {exc.colno}).") from None


def _run_admin(session: Session, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    """Run one admin command; its exit code (0, or 1 when ``fee-audit`` found something)."""
    now = utc_now()
    match args.command:
        case "create-office":
            office = admin.create_office(session, now, unit_code=args.unit_code, name=args.name,
                                         governing_body=args.governing_body, place_name=args.place_name,
                                         demo=args.demo)  # fmt: skip
            print(f"Đã tạo đơn vị {office.unit_code}: {office.name}", file=out)
        case "create-department":
            dep = admin.create_department(session, now, args.unit_code, code=args.code, name=args.name,
                                          level=args.level)  # fmt: skip
            print(f"Đã lưu cơ quan {dep.code}: {dep.name} (đơn vị {args.unit_code})", file=out)
        case "create-officer":
            password = _read_password(args, stdin)
            info = admin.create_officer(session, now, args.unit_code, username=args.username,
                                        full_name=args.full_name, role=args.role, password=password,
                                        province_reports=args.province_reports)  # fmt: skip
            extra = ", được xem số liệu toàn tỉnh" if args.province_reports else ""
            print(
                f"Đã tạo tài khoản {info.username} ({info.role}) – {info.full_name}, đơn vị {info.unit_code}{extra}",
                file=out,
            )
        case "province-reports":
            officer = admin.set_province_reports(session, args.username, granted=args.grant)
            what = "Đã cấp" if args.grant else "Đã thu hồi"
            print(
                f"{what} quyền xem số liệu toàn tỉnh của tài khoản {officer.username} – {officer.full_name}.", file=out
            )
        case "enrol-code":
            issued = admin.create_enrolment_code(session, now, args.unit_code, hours=args.hours)
            print_code(issued, out)
        case "import-catalog":
            from app.domain.catalog import default_catalog_path

            path = args.file or default_catalog_path()
            count = admin.import_catalog(session, now, _load_json(path), scope=args.unit_code.strip().upper())
            scope = f"đơn vị {args.unit_code}" if args.unit_code else "mọi đơn vị"
            print(f"Đã nhập {count} thủ tục từ {path} cho {scope}.", file=out)
        case "calendar-add":
            row = admin.add_calendar_entry(session, now, args.unit_code, day=args.date, kind=args.kind,
                                           name=args.name, legal_ref=args.ref)  # fmt: skip
            label = "Nghỉ lễ" if row.kind == "holiday" else "Làm bù"
            print(
                f"Đã lưu {row.day:%d/%m/%Y}: {label} – {row.name} ({row.legal_ref}), đơn vị {args.unit_code}", file=out
            )
        case "calendar-remove":
            admin.remove_calendar_entry(session, now, args.unit_code, args.date)
            print(f"Đã xoá ngày {args.date:%d/%m/%Y} của đơn vị {args.unit_code}.", file=out)
        case "seed-demo":
            from server.demo import seed_demo

            seed_demo(session, now, hours=args.hours, out=out)
        case "prune":
            from server.sync.retention import prune

            counts = prune(session, Settings(), now)  # the retention set in the environment
            print(f"Đã xoá {counts['rejected_events']} sự kiện bị từ chối quá hạn lưu.", file=out)
        case "check-feed":
            report = admin.check_feed(session.get_bind().engine, utc_now, fix=args.fix)
            print_check(report, args.fix, out)
        case "fee-audit":
            return fee_audit(session, args.unit, args.year, out)
        case "fee-book-start":
            from server.sync.fee_receipts import continue_book

            unit, last = continue_book(session, args.unit, args.year, args.printed_up_to)
            print(f"Quyển biên lai năm {args.year} của đơn vị {unit}: máy chủ cấp tiếp từ số {last + 1:07d}.", file=out)
        case _:  # pragma: no cover  (argparse allows only the commands above)
            raise UserFacingError(f"Lệnh không hỗ trợ: {args.command}")
    return 0


def fee_audit(session: Session, unit: str, year: int | None, out: TextIO) -> int:
    """``admin fee-audit``: print the audit of fee receipt numbers; 1 when something is found."""
    from server.models import Office
    from server.sync.fee_receipts import audit_report

    unit = unit.strip().upper()
    if unit and session.get(Office, unit) is None:
        raise UserFacingError(f"Máy chủ không có đơn vị “{unit}”. Hãy ghi đúng mã định danh (ví dụ 000.01.00.H49).")
    report = audit_report(session, unit or None, year)
    for line in report.lines:
        print(line, file=out)
    return 1 if report.found else 0


def print_code(issued: admin.IssuedCode, out: TextIO) -> None:
    print(f"Mã đăng ký máy trạm (dùng một lần) cho đơn vị {issued.unit_code}:", file=out)
    print(f"    {issued.code}", file=out)
    print(
        f"Hết hạn lúc {issued.expires_at:%Y-%m-%d %H:%M} UTC. Mã chỉ hiện một lần; máy chủ chỉ lưu giá trị băm.",
        file=out,
    )


def print_check(report: CheckReport, fix: bool, out: TextIO) -> None:
    """The summary of ``admin check-feed``: how many checked, how many withheld, by reason."""
    from server.sync.quarantine import REASONS

    seconds = f"{report.seconds:.1f}".replace(".", ",")
    print(f"Đã kiểm tra {report.checked} sự kiện của luồng đồng bộ trong {seconds} giây.", file=out)
    bad = sum(report.reasons.values())
    if fix:
        print(f"Đã giữ lại {report.withheld} sự kiện mới không hợp lệ: máy trạm sẽ không nhận các sự kiện này nữa.",
              file=out)  # fmt: skip
    elif bad:
        print(f"Có {bad} sự kiện không hợp lệ (chưa giữ lại; chạy lại lệnh với --fix để giữ lại).", file=out)
    else:
        print("Không có sự kiện nào không hợp lệ.", file=out)
    for reason, n in report.reasons.most_common():
        print(f"  - {REASONS.get(reason, reason)}: {n}", file=out)
    for item in report.found:
        print(f"    {item.event_id} ({item.type or '?'}): {item.verdict.detail or REASONS[item.verdict.reason]}",
              file=out)  # fmt: skip
    if bad > len(report.found):
        print(f"    … và {bad - len(report.found)} sự kiện khác.", file=out)
    if report.already:
        print(f"{report.already} sự kiện đã bị giữ lại từ trước.", file=out)


def admin_main(argv: Sequence[str], *, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
               stdin: TextIO = sys.stdin, settings_factory: Callable[[], Settings] = Settings) -> int:  # fmt: skip
    """``motcua-server admin …``: one transaction against the configured database."""
    args = _admin_parser().parse_args(argv)
    try:
        settings = settings_factory()
        engine = make_engine(settings.resolved_database_url(), hide_parameters=True)
    except (ValueError, UserFacingError) as exc:
        print(f"Cấu hình máy chủ không hợp lệ: {exc}", file=err)
        return USAGE_ERROR
    try:
        from server.app import migrate_once

        migrate_once(engine)
        with transaction(session_factory(engine)) as session:
            code = _run_admin(session, args, out, stdin)
    except ApiError as exc:
        print(exc.message, file=err)
        return USAGE_ERROR if exc.status == 422 else REFUSED
    except UserFacingError as exc:
        print(exc.message, file=err)
        return REFUSED
    except OperationalError as exc:  # the database cannot be reached: say where, without the password
        where = settings.resolved_database_url().split("@")[-1]
        reason = str(exc.orig or exc).strip().splitlines()[0]
        print(f"Không kết nối được cơ sở dữ liệu ({where}): {reason}", file=err)
        return REFUSED
    finally:
        engine.dispose()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``motcua-server``."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args[:1] == ["admin"]:
            return admin_main(args[1:])
        return serve(args)
    except ModuleNotFoundError as exc:  # uvicorn, fastapi or psycopg, imported when first needed
        exit_without_server_part(exc)


if __name__ == "__main__":
    raise SystemExit(main())
