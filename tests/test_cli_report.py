"""`motcua report kpi|dossiers` over a data folder filled through the real services, and its errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from app.domain.indicators import DossierClass
from app.services.office import load_calendar
from app.services.reports import counted_dossiers, kpi, late_dossiers, period_report
from app.services.results import request_supplement_after_reception
from app.services.returns import record_result
from app.store.db import transaction
from tests.app.test_reception import draft, receive
from ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
THREE_DAYS = "1.004859"  # 3 working days; received Mon 23/11 09:15 → due Fri 27/11 09:15 (24/11 off)
DUE = datetime(2026, 11, 27, 9, 15)


@pytest.fixture
def office_data(factory, actor, catalog, db_path):
    """Four dossiers received Monday 23/11/2026 09:15: early, late, waiting for a supplement, open."""
    codes = {}
    for name in ("early", "late", "supplement", "open"):
        codes[name] = receive(factory, actor, catalog, draft(catalog, THREE_DAYS))
    with transaction(factory) as s:
        record_result(s, actor, codes["early"].uid, "Giấy chứng nhận", datetime(2026, 11, 25, 10))
        record_result(s, actor, codes["late"].uid, "Giấy chứng nhận", datetime(2026, 11, 30, 10))
        request_supplement_after_reception(s, actor, load_calendar(s), codes["supplement"].uid, ["Bản sao CCCD"],
                                           "Thiếu giấy tờ", datetime(2026, 11, 25, 9, 15))  # fmt: skip
    return db_path.parent, codes


def test_services_classify_count_and_list_the_late(factory, office_data):
    _, codes = office_data
    with factory() as s:
        items = {c.facts.code: c for c in counted_dossiers(s, date(2026, 11, 1), date(2026, 11, 30))}
        assert {code: items[d.code].cls for code, d in codes.items()} == {
            "early": DossierClass.EARLY, "late": DossierClass.LATE,
            "supplement": DossierClass.ON_TIME, "open": DossierClass.IN_PROGRESS_LATE,
        }  # fmt: skip
        assert all(c.facts.due_at == DUE for c in items.values())
        report = kpi(s, date(2026, 11, 1), date(2026, 11, 30))
        # 2.1: early + supplement pending on time = 2 of 4 → 50%, 10 of 20 points; 5.4 = 100 − 50 − 0.
        assert (report.office.on_time.numerator, report.office.on_time.denominator) == (2, 4)
        assert report.office.on_time.percent == 50.0 and report.office.on_time_score == 10.0
        assert set(report.office.on_time.uids) == {codes["early"].uid, codes["supplement"].uid}
        assert report.office.satisfaction == 50.0
        assert report.office.digitised.percent == 0.0
        # 2.2: two finished, Mon 09:15 → Wed 10:00 (24/11 off: 8 h 45 min = 1.09 days) and → Mon 30/11 10:00
        # (4 working days 45 min = 4.09 days): average 2.59 working days, legal 3 → 13.67% faster.
        (proc,) = report.office.processing
        assert (proc.finished, proc.average, proc.legal, proc.faster_percent) == (2, 2.59, 3.0, 13.67)
        table = period_report(s, date(2026, 11, 1), date(2026, 11, 30))
        t = table.total
        assert (t.received_total, t.received_direct_postal, t.received_online, t.carried_over) == (4, 4, 0, 0)
        assert (t.resolved_total, t.resolved_early, t.resolved_on_time, t.resolved_late) == (3, 1, 1, 1)
        assert (t.in_progress_total, t.in_progress_on_time, t.in_progress_late) == (1, 0, 1)
        assert sum(g.subtotal.received_total for g in table.groups) == 4
        late = late_dossiers(s, date(2026, 11, 1), date(2026, 11, 30))
        assert [x.code for x in late] == [codes["open"].code, codes["late"].code]
        # Open: from Fri 27/11 09:15 to the end of November = 27/11 (2 h 15 + 3 h 30) + 30/11 (8 h) = 13 h 45.
        assert (late[0].delay_minutes, late[0].delay_text) == (825, "1 ngày 5 giờ làm việc") and not late[0].resolved
        # Late: 27/11 09:15 → 30/11 10:00 = 5 h 45 + 3 h = 8 h 45.
        assert (late[1].delay_minutes, late[1].delay_text) == (525, "1 ngày 0 giờ làm việc") and late[1].resolved
        # December: the late and early ones ended in November; the open one is carried over, still late.
        dec = {c.facts.code: c for c in counted_dossiers(s, date(2026, 12, 1), date(2026, 12, 31))}
        assert set(dec) == {codes["supplement"].code, codes["open"].code}
        assert dec[codes["open"].code].carried_over


def test_report_dossiers_json(office_data, capsys):
    data_dir, codes = office_data
    rc = main(
        ["--data-dir", str(data_dir), "report", "dossiers", "--from", "2026-11-01", "--to", "2026-11-30", "--json"]
    )
    out = capsys.readouterr()
    assert rc == 0, out.err
    rows = {r["code"]: r for r in json.loads(out.out)}
    early = rows[codes["early"].code]
    assert early == {
        "code": codes["early"].code, "channel": 1, "channel_label": "Trực tiếp", "received_at": "2026-11-23T09:15",
        "due_at": "2026-11-27T09:15", "end_at": "2026-11-25T10:00", "supplement_requests": 0, "status": 9,
        "class": "early", "carried_over": False, "uid": codes["early"].uid,
    }  # fmt: skip
    assert rows[codes["supplement"].code]["supplement_requests"] == 1
    assert rows[codes["supplement"].code]["status"] == 5
    assert rows[codes["open"].code]["end_at"] is None
    assert {r["class"] for r in rows.values()} == {"early", "late", "on_time", "in_progress_late"}


def test_report_kpi_text_and_json(office_data, capsys):
    data_dir, _ = office_data
    args = ["--data-dir", str(data_dir), "report", "kpi", "--from", "2026-11-01", "--to", "2026-11-30"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "2.1 Đúng hạn: 50% (2/4), điểm 10,00/20" in text
    assert "5.4 Hài lòng: 50%" in text
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["office"]["on_time"] == {"percent": 50.0, "numerator": 2, "denominator": 4, "score": 10.0}
    assert data["office"]["channels"]["online"] == {"percent": 0.0, "numerator": 0, "denominator": 4}
    assert [g["counted"] for g in data["groups"]["officer"]] == [4]


@pytest.mark.parametrize(
    ("period", "message"),
    [
        (
            ["--from", "2026-12-01", "--to", "2026-11-01"],
            "Ngày bắt đầu kỳ báo cáo (01/12/2026) sau ngày kết thúc (01/11/2026)",
        ),
        (
            ["--from", "2026-13-01", "--to", "2026-12-31"],
            "Ngày đầu kỳ (--from) “2026-13-01” không đúng dạng YYYY-MM-DD",
        ),
        (["--from", "2026-11-01", "--to", "hôm nay"], "Ngày cuối kỳ (--to) “hôm nay” không đúng dạng YYYY-MM-DD"),
        (
            ["--from", "2025-01-01", "--to", "2025-01-31"],
            "Kỳ từ ngày 01/01/2025 đến ngày 31/01/2025 không có hồ sơ nào",
        ),
    ],
)
@pytest.mark.parametrize("command", ["kpi", "dossiers"])
def test_errors_are_vietnamese_usage_errors(office_data, capsys, command, period, message):
    data_dir, _ = office_data
    rc = main(["--data-dir", str(data_dir), "report", command, *period, "--json"])
    out = capsys.readouterr()
    assert rc == 2 and message in out.err and "Traceback" not in out.err and out.out == ""


def test_missing_option_and_unknown_data_folder(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--data-dir", str(tmp_path), "report", "kpi", "--from", "2026-11-01"])
    assert exit_.value.code == 2 and "Thiếu tham số bắt buộc: --to" in capsys.readouterr().err
    assert (
        main(["--data-dir", str(tmp_path / "none"), "report", "kpi", "--from", "2026-11-01", "--to", "2026-11-30"]) == 2
    )
    assert "Không có dữ liệu trong thư mục" in capsys.readouterr().err


def test_the_command_does_not_load_qt(office_data):
    data_dir, _ = office_data
    code = ("import sys; from ui.cli import main; rc = main(sys.argv[1:]); "
            "assert 'PySide6' not in sys.modules, 'Qt loaded'; sys.exit(rc)")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code, "--data-dir", str(data_dir), "report", "kpi", "--from",
                             "2026-11-23", "--to", "2026-11-23"], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "4 hồ sơ được tính" in result.stdout


def test_output_into_a_reader_that_stops_early_ends_without_a_traceback(office_data):
    """`motcua report dossiers --json | head -c 20`: the reader closes the pipe; no traceback follows."""
    data_dir, _ = office_data
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    read_fd, write_fd = os.pipe()
    os.close(read_fd)  # nobody reads: the first write fails with EPIPE, as after `head` exits
    result = subprocess.run([sys.executable, "-m", "ui.cli", "--data-dir", str(data_dir), "report", "dossiers",
                             "--from", "2026-11-23", "--to", "2026-11-23", "--json"], stdout=write_fd,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, timeout=120)  # fmt: skip
    os.close(write_fd)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
