"""``motcua-server admin …``: what it prints, exit codes, Vietnamese errors, and seed-demo end to end."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.services.seed import DEMO_ACCOUNTS as CLIENT_DEMO_ACCOUNTS
from app.services.seed import DEMO_UNIT_CODE as CLIENT_DEMO_UNIT
from server import demo
from server.cli import admin_main
from server.config import Settings
from tests.server.conftest import SECRET, FakeClock, Srv, TestClient

ROOT = Path(__file__).resolve().parents[2]


class Cli:
    """Runs admin commands in-process against one SQLite database."""

    def __init__(self, tmp_path: Path) -> None:
        self.settings = Settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}", data_dir=tmp_path / "data",
                                 secret_key=SECRET)  # fmt: skip

    def __call__(self, *argv: str, stdin: str = "") -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        try:
            code = admin_main(
                list(argv), out=out, err=err, stdin=io.StringIO(stdin), settings_factory=lambda: self.settings
            )
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
        return code, out.getvalue(), err.getvalue()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


OFFICE = ["--unit-code", "000.09.00.H49"]


def test_admin_commands_build_an_office(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli("create-office", *OFFICE, "--name", "Bộ phận Một cửa xã Hạ Long",
                         "--governing-body", "UBND XÃ HẠ LONG", "--place-name", "Hạ Long")  # fmt: skip
    assert (code, err) == (0, "") and "Đã tạo đơn vị 000.09.00.H49" in out
    assert cli("create-department", *OFFICE, "--code", "XA-TP", "--name", "Tư pháp xã", "--level", "xa")[0] == 0
    code, out, _ = cli("create-officer", *OFFICE, "--username", "Lan.NT", "--full-name", "Nguyễn Thị Lan",
                       "--role", "supervisor", "--password-stdin", stdin="mat-khau-dai\n")  # fmt: skip
    assert code == 0 and "lan.nt (supervisor)" in out
    code, out, _ = cli("enrol-code", *OFFICE, "--hours", "2")
    assert code == 0 and "dùng một lần" in out
    code, out, _ = cli("import-catalog")
    assert code == 0 and "Đã nhập 37 thủ tục" in out and "mọi đơn vị" in out
    code, out, _ = cli("calendar-add", *OFFICE, "--date", "2026-04-27", "--kind", "holiday",
                       "--name", "Nghỉ bù Giỗ Tổ", "--ref", "Thông báo 123/TB-BNV")  # fmt: skip
    assert code == 0 and "27/04/2026" in out
    assert cli("calendar-remove", *OFFICE, "--date", "2026-04-27")[0] == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("argv", "exit_code", "message"),
    [
        (["create-officer", *OFFICE, "--username", "a", "--full-name", "A", "--role", "boss"], 2, "không hợp lệ"),
        (["create-office", *OFFICE], 2, "Thiếu tham số bắt buộc: --name"),
        (["calendar-add", *OFFICE, "--date", "27/04/2026", "--kind", "holiday", "--name", "N", "--ref", "R"], 2,
         "không đúng dạng YYYY-MM-DD"),
        (["enrol-code", *OFFICE], 1, "Không có đơn vị mã 000.09.00.H49"),
        (["enrol-code", "--unit-code", "000.01.00.H49", "--hours", "abc"], 2, "không phải số nguyên"),
        (["import-catalog", "/khong/co/tep.json"], 1, "Không tìm thấy tệp"),
        (["calendar-remove", *OFFICE, "--date", "2026-01-01"], 1, "Đơn vị không có ngày"),
        (["create-office", "--unit-code", "abc def", "--name", "N", "--governing-body", "G", "--place-name", "P"], 2,
         "Mã đơn vị"),
        (["create-officer", *OFFICE, "--username", "a", "--full-name", "A", "--role", "officer"], 1,
         "dùng --password-stdin"),
        (["frobnicate"], 2, "không hợp lệ"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_vietnamese_line_and_a_non_zero_exit(
    cli: Cli, capsys: pytest.CaptureFixture[str], argv: list[str], exit_code: int, message: str
) -> None:
    code, out, err = cli(*argv)
    err += capsys.readouterr().err  # argparse writes to sys.stderr
    assert code == exit_code, (out, err)
    assert message in err
    assert "Traceback" not in err


def test_seed_demo_makes_the_readme_accounts_work(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("seed-demo")
    assert code == 0
    lines = out.splitlines()
    enrol_code = next(lines[i + 1] for i, line in enumerate(lines) if "dùng một lần" in line)
    assert cli("seed-demo")[0] == 0  # a second run only issues a new code
    from server.app import create_app

    app = create_app(cli.settings)
    with TestClient(app) as client:
        srv = Srv(client=client, ctx=app.state.ctx, clock=FakeClock(), backend="sqlite")
        enrolled = client.post("/auth/enrol", json={"code": enrol_code.strip(), "counter_name": "Quầy số 01"})
        assert enrolled.status_code == 200, enrolled.text
        device = enrolled.json()
        for username, password, full_name, role in demo.DEMO_ACCOUNTS:
            answer = client.post("/auth/login", json={"username": username, "password": password,
                                                      "device_id": device["device_id"],
                                                      "device_secret": device["device_secret"]})  # fmt: skip
            assert answer.status_code == 200, answer.text
            assert (answer.json()["officer"]["full_name"], answer.json()["officer"]["role"]) == (full_name, role)
        assert srv.ctx.settings.secret_key == SECRET


def test_demo_matches_the_desktop_clients_demo() -> None:
    assert demo.DEMO_UNIT_CODE == CLIENT_DEMO_UNIT
    assert [(u, p, n, str(r)) for u, p, n, r in CLIENT_DEMO_ACCOUNTS] == list(demo.DEMO_ACCOUNTS)


def _run(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("motcua-server")
    return subprocess.run([str(exe), *argv], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, **env})  # fmt: skip


def test_the_installed_command_reports_an_unreachable_database_without_a_traceback(tmp_path: Path) -> None:
    env = {"MOTCUA_SERVER_DATABASE_URL": "postgresql+psycopg://postgres:geheim@127.0.0.1:9/nothing",
           "MOTCUA_SERVER_DATA_DIR": str(tmp_path)}  # fmt: skip
    result = _run("admin", "enrol-code", "--unit-code", "000.01.00.H49", env=env)
    assert result.returncode == 1
    assert "Không kết nối được cơ sở dữ liệu (127.0.0.1:9/nothing)" in result.stderr
    assert "geheim" not in result.stderr and "Traceback" not in result.stderr
    workers = _run("--workers", "2", env={"MOTCUA_SERVER_DATA_DIR": str(tmp_path), "MOTCUA_SERVER_DATABASE_URL": ""})
    assert workers.returncode == 2 and "chỉ dùng được với PostgreSQL" in workers.stderr
