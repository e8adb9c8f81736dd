"""The PyInstaller one-folder bundle builds from build.spec and runs the app from the bundle.

Slow (~25–35 s): it runs PyInstaller. CI always runs it; set MOTCUA_SKIP_BUNDLE=1 to skip it
locally. See docs/BUILD.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "build.spec"
NAME = "motcua"
EXE = NAME + (".exe" if sys.platform == "win32" else "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("MOTCUA_SKIP_BUNDLE") == "1",
        reason="MOTCUA_SKIP_BUNDLE=1: PyInstaller bundle build and run skipped",
    ),
]


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


BUILD_STATS: dict[str, float] = {}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    """Build once per module into a temporary dist/work folder; return the bundle folder."""
    tmp = tmp_path_factory.mktemp("bundle")
    pyinstaller = Path(sys.executable).with_name("pyinstaller" + (".exe" if sys.platform == "win32" else ""))
    command = [str(pyinstaller)] if pyinstaller.exists() else [sys.executable, "-m", "PyInstaller"]
    command += [
        "--noconfirm",
        "--log-level=WARN",
        "--distpath",
        str(tmp / "dist"),
        "--workpath",
        str(tmp / "build"),
        str(SPEC),
    ]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, f"PyInstaller failed:\n{result.stdout}\n{result.stderr[-6000:]}"
    folder = tmp / "dist" / NAME
    assert (folder / EXE).is_file()
    size_mb = _dir_size(folder) / 2**20
    BUILD_STATS.update(build_seconds=round(seconds, 1), bundle_size_mb=round(size_mb, 1))
    line = f"bundle: built in {seconds:.1f} s, {size_mb:.0f} MB at {folder}"
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:  # shown in the normal output, without -s
        with capture.global_and_fixture_disabled():
            reporter.write_line("\n" + line)
    else:
        print(line)
    return folder


def _run(bundle: Path, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONIOENCODING": "utf-8"}
    env.pop("MOTCUA_DATA_DIR", None)
    return subprocess.run(
        [str(bundle / EXE), "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )


def test_bundle_contains_runtime_files(bundle: Path, record_property: pytest.RecordProperty) -> None:
    internal = bundle / "_internal"
    for key, value in BUILD_STATS.items():  # in the junit XML CI keeps
        record_property(key, value)
    for rel in (
        "resources/catalog/procedures.json",
        "resources/fonts/NotoSans-Regular.ttf",
        "resources/fonts/NotoSans-OFL.txt",
        "resources/fonts/LiberationSerif-Regular.ttf",
        "app/store/migrations/env.py",
        "app/store/migrations/versions/0001_initial_schema.py",
        "holidays/locale/vi/LC_MESSAGES/VN.mo",
    ):
        assert (internal / rel).is_file(), f"missing from the bundle: {rel}"
    # pypdfium2's native library (print preview, printing); smoke test does not load it.
    assert list((internal / "pypdfium2_raw").glob("*pdfium*")), "libpdfium missing from the bundle"
    # Trimmed Qt parts stay out.
    assert not list(internal.rglob("*WebEngine*"))
    assert not list(internal.rglob("libQt6Quick*")) and not list(internal.rglob("Qt6Quick*.dll"))


def test_smoke_test_from_bundle(bundle: Path, tmp_path: Path) -> None:
    result = _run(bundle, tmp_path / "data", "--smoke-test")
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("smoke test: main window built") and last.endswith("OK"), result.stdout
    assert (tmp_path / "data" / "motcua.db").is_file()  # Alembic migrations ran from the bundle


def test_calendar_due_from_bundle(bundle: Path, tmp_path: Path) -> None:
    result = _run(bundle, tmp_path, "calendar", "due", "--from", "2026-02-13 15:00", "--working-days", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "2026-02-24 15:00", result.stdout


def test_calendar_show_from_bundle(bundle: Path, tmp_path: Path) -> None:
    result = _run(bundle, tmp_path, "calendar", "show", "2026")
    assert result.returncode == 0, result.stdout + result.stderr
    # Tết 2026 with its Vietnamese name: holidays' country module and "vi" catalogue are bundled.
    assert "2026-02-17" in result.stdout and "Tết Nguyên Đán" in result.stdout, result.stdout


def test_self_check_from_bundle(bundle: Path, tmp_path: Path) -> None:
    """Scanning's native parts (zxing-cpp, pypdfium2, pikepdf, numpy) load from the bundle."""
    result = _run(bundle, tmp_path / "data", "self-check")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    for part in ("In phiếu", "Đọc mã vạch trên trang quét", "Nén trang quét vào PDF", "Lưu tệp đính kèm"):
        assert f"[ĐẠT ] {part}" in result.stdout, result.stdout
