"""`motcua` command: the app, its smoke test, and calendar tools for IT staff."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli_vi import ViArgumentParser
from app.errors import UserFacingError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

CALENDAR_ADMIN = """\
  motcua calendar add --date YYYY-MM-DD --kind holiday|workday --name "…" --ref "số văn bản"
  motcua calendar remove --date YYYY-MM-DD"""


def default_data_dir() -> Path:
    """MOTCUA_DATA_DIR, else the per-user data folder of the OS."""
    if env := os.environ.get("MOTCUA_DATA_DIR"):
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("MotCuaDesk", appauthor=False))


def calendar_command(argv: list[str], data_dir: Path) -> int:
    """`motcua calendar …` against the office's calendar in the local database (no Qt)."""
    from app.cli_calendar import USAGE, run
    from app.domain.calendar import EntryKind
    from app.services.office import load_calendar, remove_calendar_entry, set_calendar_entry
    from app.store.db import open_database, session_factory, transaction

    factory = session_factory(open_database(data_dir / "motcua.db"))
    if argv[:1] in (["add"], ["remove"]):
        parser = ViArgumentParser(prog=f"motcua calendar {argv[0]}")
        parser.add_argument("--date", required=True)
        if argv[0] == "add":
            parser.add_argument("--kind", required=True, choices=["holiday", "workday"])
            parser.add_argument("--name", required=True)
            parser.add_argument("--ref", required=True)
        args = parser.parse_args(argv[1:])
        try:
            day = date.fromisoformat(args.date)
        except ValueError:
            print(f"Ngày “{args.date}” không đúng dạng YYYY-MM-DD.", file=sys.stderr)
            return 2
        try:
            with transaction(factory) as session:
                if argv[0] == "add":
                    set_calendar_entry(session, day, EntryKind(args.kind), args.name, args.ref)
                    print(f"Đã lưu {day:%d/%m/%Y}: {EntryKind(args.kind).label} – {args.name} ({args.ref})")
                elif remove_calendar_entry(session, day):
                    print(f"Đã xoá ngày {day:%d/%m/%Y} do quản trị nhập.")
                else:
                    print(f"Không có ngày {day:%d/%m/%Y} do quản trị nhập.", file=sys.stderr)
                    return 1
        except UserFacingError as exc:
            print(exc.message, file=sys.stderr)
            return 2
        _refresh_processing(factory)
        return 0
    with factory() as session:
        calendar = load_calendar(session)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE + "\n" + CALENDAR_ADMIN)
        return 0
    return run(argv, calendar)


def _refresh_processing(factory: sessionmaker[Session]) -> None:
    """The stored processing times worked out again on the new calendar (the reports then stay fast)."""
    from app.services.office import load_calendar
    from app.store.processing_refresh import refresh_stale_processing

    def progress(done: int, total: int) -> None:
        print(f"Đang tính lại thời gian giải quyết theo lịch mới: {_count(done)}/{_count(total)} hồ sơ", flush=True)

    with factory() as session:
        calendar = load_calendar(session)
    done = refresh_stale_processing(factory, calendar, progress=progress)
    if done:
        print(f"Đã tính lại thời gian giải quyết của {_count(done)} hồ sơ theo lịch mới.")


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def enrol_command(argv: list[str], data_dir: Path) -> int:
    """`motcua enrol --server URL --code CODE --counter NAME`: enrol this PC without the GUI (IT)."""
    from app.sync.client import enrol_this_pc
    from ui.main import open_store

    parser = ViArgumentParser(prog="motcua enrol", description="Đăng ký máy trạm với máy chủ trung tâm")
    parser.add_argument("--server", required=True, help="địa chỉ máy chủ, ví dụ http://10.0.0.5:8000")
    parser.add_argument("--code", required=True, help="mã đăng ký dùng một lần (motcua-server admin enrol-code)")
    parser.add_argument("--counter", required=True, help='tên quầy, ví dụ "Quầy số 03"')
    args = parser.parse_args(argv)
    store = open_store(data_dir)
    office = enrol_this_pc(data_dir, store.factory, args.server, args.code, args.counter)
    print(f"Đã đăng ký: {office.name} (mã đơn vị {office.unit_code}) – {office.counter_name}, thư mục {data_dir}")
    return 0


def demo_command(argv: list[str], data_dir: Path) -> int:
    """`motcua demo populate --dossiers N --days D [--seed S]`: a made-up history for a demo office (no Qt)."""
    from datetime import datetime

    from app.services.demo_populate import MAX_DAYS, MAX_DOSSIERS, check_arguments, populate
    from app.services.demo_summary import vi_number
    from ui.main import open_store

    parser = ViArgumentParser(prog="motcua demo", description="Dữ liệu minh hoạ cho đơn vị DEMO")
    sub = parser.add_subparsers(dest="command", required=True, metavar="populate")
    fill = sub.add_parser("populate", description="Tạo hồ sơ minh hoạ qua các chức năng thật (chỉ đơn vị DEMO)")
    fill.add_argument("--dossiers", type=int, required=True, help=f"số lượt tiếp nhận, 1 đến {vi_number(MAX_DOSSIERS)}")
    fill.add_argument("--days", type=int, required=True, help=f"số ngày làm việc gần nhất, 1 đến {MAX_DAYS}")
    fill.add_argument("--seed", type=int, default=0, help="hạt giống ngẫu nhiên (cùng hạt giống → cùng mã hồ sơ)")
    fill.add_argument("--until", help="thời điểm kết thúc “YYYY-MM-DD HH:MM” (mặc định: bây giờ)")
    args = parser.parse_args(argv)
    check_arguments(args.dossiers, args.days)
    try:
        until = datetime.fromisoformat(args.until) if args.until else None
    except ValueError:
        print(f"--until “{args.until}” không đúng dạng YYYY-MM-DD HH:MM.", file=sys.stderr)
        return 2

    def progress(done: int, total: int) -> None:
        print(f"Đang tạo dữ liệu minh hoạ: {done * 100 // total} % ({done}/{total} hồ sơ)", file=sys.stderr, flush=True)

    store = open_store(data_dir)
    summary = populate(store.factory, store.catalog, dossiers=args.dossiers, days=args.days, seed=args.seed,
                       until=until, progress=progress)  # fmt: skip
    print(summary.text())
    return 0


def main(argv: list[str] | None = None) -> int:
    """The ``motcua`` command. Output piped into a reader that stops early (``| head``) ends quietly."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader is gone: point stdout at /dev/null so the interpreter's final flush is silent.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = ViArgumentParser(
        prog="motcua",
        description="MotCua Desk – tiếp nhận hồ sơ tại Bộ phận Một cửa",
        epilog="Lệnh cho bộ phận CNTT: motcua enrol --help, motcua calendar --help, "
        "motcua demo populate --help, motcua self-check (kiểm tra in, đọc mã vạch, nén trang quét, máy quét, kho khóa)",
        add_help=False,  # -h after a command is that command's help
    )
    parser.add_argument("-h", "--help", action="store_true", help="in hướng dẫn này rồi thoát")
    parser.add_argument("--data-dir", type=Path, help="thư mục dữ liệu (mặc định: thư mục dữ liệu của người dùng)")
    parser.add_argument("--smoke-test", action="store_true", help="dựng cửa sổ chính không hiển thị rồi thoát")
    parser.add_argument("--version", action="store_true", help="in phiên bản")
    args, rest = parser.parse_known_args(argv)
    if args.help:
        if rest[:1] not in (["calendar"], ["enrol"], ["report"], ["demo"]):
            print(parser.format_help(), end="")
            return 0
        rest.append("--help")
    data_dir = args.data_dir or default_data_dir()
    if rest[:1] in (["calendar"], ["enrol"], ["demo"], ["report"]):
        from app.store.db import show_migration_progress

        show_migration_progress(sys.stderr)  # an old data folder may take minutes to upgrade
    if args.version:
        from app import __version__

        print(__version__)
        return 0
    try:
        if rest[:1] == ["calendar"]:
            return calendar_command(rest[1:], data_dir)
        if rest[:1] == ["enrol"]:
            return enrol_command(rest[1:], data_dir)
        if rest[:1] == ["demo"]:
            return demo_command(rest[1:], data_dir)
        if rest[:1] == ["report"] and rest[1:2] in (["register"], ["period"]):
            from app.cli_report_files import run as report_files_run

            return report_files_run(rest[1:], data_dir)
        if rest[:1] == ["report"] and rest[1:2] in ([], ["kpi"], ["dossiers"], ["-h"], ["--help"]):
            from app.cli_report import run as report_run

            return report_run(rest[1:], data_dir)
        if rest[:1] == ["self-check"]:
            from app.selfcheck import report, run_checks

            text, code = report(run_checks(data_dir))
            print(text)
            return code
        if rest:
            parser.error(f"không hiểu tham số: {' '.join(rest)}")
        from ui.main import run

        return run(data_dir, smoke_test=args.smoke_test)
    except UserFacingError as exc:
        print(exc.message, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
