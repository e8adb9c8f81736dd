"""SANE backend against the real SANE ``test`` device through scanimage (private SANE_CONFIG_DIR)."""

# ruff: noqa: F811 - sane_env is an imported fixture

from __future__ import annotations

import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from app.scanning.devices.sane import SaneBackend, build_command, page_file_complete, parse_options, pnm_size
from app.scanning.model import CancelToken, ColorMode, DeviceInfo, PaperSource, ScanError, ScanErrorKind, ScanSettings
from tests.sane_support import sane_env, slow_feeder, write_test_conf  # noqa: F401

FEEDER_GREY = ScanSettings(100, ColorMode.GRAY, PaperSource.FEEDER)


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary files of the backend land here, so the test can see they are removed."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def scanimage_running(marker: str) -> list[str]:
    """Command lines of live scanimage processes whose arguments mention ``marker``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "scanimage" in cmdline and marker in cmdline:
            found.append(cmdline)
    return found


def device(backend: SaneBackend) -> DeviceInfo:
    return next(d for d in backend.list_devices() if d.id == "sane:test:0")


def test_lists_the_test_devices_with_their_options(sane_env):
    devices = SaneBackend(sane_env).list_devices()
    assert [d.id for d in devices] == ["sane:test:0", "sane:test:1"]
    first = devices[0]
    assert first.backend == "sane" and "frontend-tester" in first.name
    assert first.sources == (PaperSource.FLATBED, PaperSource.FEEDER)  # the test device has no duplex
    assert 300 in first.resolutions and 150 in first.resolutions
    assert set(first.color_modes) == set(ColorMode)


def test_flatbed_scans_one_grey_page_and_leaves_no_temp_files(sane_env, private_tmp):
    backend = SaneBackend(sane_env)
    pages = list(backend.scan(device(backend), ScanSettings(100, ColorMode.GRAY, PaperSource.FLATBED), CancelToken()))
    assert len(pages) == 1
    page = pages[0]
    assert page.image.mode == "L" and page.dpi == 100 and page.color_mode is ColorMode.GRAY
    assert page.image.size == (314, 393)  # 80 x 100 mm at 100 dpi
    assert page.image.getextrema() == (0, 255)  # the grid: black lines on white
    assert page.origin == "sane:test:0 tờ 1"
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize(("mode", "pil_mode"), [(ColorMode.BW, "1"), (ColorMode.GRAY, "L"), (ColorMode.COLOR, "RGB")])
def test_modes_give_bw_grey_and_colour_images(sane_env, mode, pil_mode):
    write_test_conf(sane_env, test_picture='"Color pattern"')
    backend = SaneBackend(sane_env)
    [page] = backend.scan(device(backend), ScanSettings(100, mode, PaperSource.FLATBED), CancelToken())
    assert page.image.mode == pil_mode and page.color_mode is mode
    if mode is ColorMode.COLOR:
        red, _green, blue = page.image.split()
        assert red.tobytes() != blue.tobytes()  # real colours, not grey copied into three bands
    else:
        low, high = page.image.getextrema()
        assert low < high


def test_feeder_batch_streams_pages_in_order(sane_env, private_tmp):
    slow_feeder(sane_env)
    backend = SaneBackend(sane_env)
    arrivals: list[float] = []
    start = time.monotonic()
    origins = []
    for page in backend.scan(device(backend), ScanSettings(150, ColorMode.GRAY, PaperSource.FEEDER), CancelToken()):
        arrivals.append(time.monotonic() - start)
        origins.append(page.origin)
        if len(origins) == 1:
            running_at_first_page = scanimage_running(str(private_tmp))
        assert page.image.size == (472, 590) and page.image.mode == "L"
    assert origins == [f"sane:test:0 tờ {n}" for n in range(1, 11)]  # the test feeder holds 10 sheets
    print(f"feeder pages arrived at {[round(a, 2) for a in arrivals]} s")
    # Streamed: the first page came while scanimage was still scanning the rest.
    assert len(running_at_first_page) == 1
    assert arrivals[-1] - arrivals[0] > 0.5
    assert list(private_tmp.iterdir()) == []


def test_jam_is_reported_with_what_to_do(sane_env, private_tmp):
    write_test_conf(sane_env, read_status_code='"SANE_STATUS_JAMMED"')
    backend = SaneBackend(sane_env)
    with pytest.raises(ScanError) as caught:
        list(backend.scan(device(backend), FEEDER_GREY, CancelToken()))
    assert caught.value.kind is ScanErrorKind.JAM
    assert caught.value.message.startswith("Kẹt giấy trong khay nạp. Gỡ tờ bị kẹt")
    assert "jammed" in caught.value.detail
    assert list(private_tmp.iterdir()) == []


def test_empty_feeder_is_no_paper(sane_env):
    write_test_conf(sane_env, read_status_code='"SANE_STATUS_NO_DOCS"')
    backend = SaneBackend(sane_env)
    with pytest.raises(ScanError) as caught:
        list(backend.scan(device(backend), FEEDER_GREY, CancelToken()))
    assert caught.value.kind is ScanErrorKind.NO_PAPER
    assert "Đặt giấy vào khay" in caught.value.message


def test_cover_open_and_busy(sane_env):
    backend = SaneBackend(sane_env)
    dev = device(backend)
    write_test_conf(sane_env, read_status_code='"SANE_STATUS_COVER_OPEN"')
    with pytest.raises(ScanError) as caught:
        list(backend.scan(dev, FEEDER_GREY, CancelToken()))
    assert caught.value.kind is ScanErrorKind.OTHER and "Nắp máy quét đang mở" in caught.value.message
    write_test_conf(sane_env, read_status_code='"SANE_STATUS_DEVICE_BUSY"')
    with pytest.raises(ScanError) as caught:
        list(backend.scan(dev, FEEDER_GREY, CancelToken()))
    assert caught.value.kind is ScanErrorKind.BUSY


def test_cancel_mid_batch_stops_scanimage_and_keeps_pages(sane_env, private_tmp):
    slow_feeder(sane_env, delay_us=60000)
    backend = SaneBackend(sane_env)
    cancel = CancelToken()
    pages = []
    stream = backend.scan(device(backend), ScanSettings(150, ColorMode.GRAY, PaperSource.FEEDER), cancel)
    pages.append(next(stream))
    pages.append(next(stream))
    assert len(scanimage_running(str(private_tmp))) == 1  # the marker does find the running scanimage
    threading.Timer(0.05, cancel.cancel).start()  # as the UI does, while the backend waits for page 3
    started = time.monotonic()
    with pytest.raises(ScanError) as caught:
        next(stream)
    assert caught.value.kind is ScanErrorKind.CANCELLED
    assert "Đã dừng quét" in caught.value.message
    assert time.monotonic() - started < 2.0
    assert [p.origin for p in pages] == ["sane:test:0 tờ 1", "sane:test:0 tờ 2"]
    assert all(p.image.getextrema() == (0, 255) for p in pages)  # still valid after the temp folder is gone
    assert list(private_tmp.iterdir()) == []
    assert scanimage_running(str(private_tmp)) == []  # terminated (and reaped), not left scanning


def test_closing_the_stream_early_removes_the_temp_folder(sane_env, private_tmp):
    slow_feeder(sane_env)
    backend = SaneBackend(sane_env)
    stream = backend.scan(device(backend), FEEDER_GREY, CancelToken())
    next(stream)
    stream.close()
    assert list(private_tmp.iterdir()) == []


def test_missing_device_is_device_gone(sane_env):
    backend = SaneBackend(sane_env)
    gone = DeviceInfo("sane:test:9", "Máy đã rút", "sane")
    with pytest.raises(ScanError) as caught:
        list(backend.scan(gone, FEEDER_GREY, CancelToken()))
    assert caught.value.kind is ScanErrorKind.DEVICE_GONE
    assert "Kiểm tra máy đã bật" in caught.value.message


def test_without_scanimage_the_error_says_what_to_install(tmp_path):
    backend = SaneBackend(scanimage=str(tmp_path / "no-scanimage"))
    assert not SaneBackend.available(str(tmp_path / "no-scanimage"))
    with pytest.raises(ScanError) as caught:
        backend.list_devices()
    assert caught.value.kind is ScanErrorKind.UNSUPPORTED and "sane-utils" in caught.value.message


DUPLEX_SCANNER = """
All options specific to device `fujitsu:fi-7160:1':
  Standard:
    --source ADF Front|ADF Back|ADF Duplex [ADF Front]
        Selects the scan source (such as a document-feeder).
    --mode Lineart|Halftone|Gray|Color [Lineart]
        Selects the scan mode (e.g., lineart, monochrome, or color).
    --resolution 50..600dpi (in steps of 1) [600]
        Sets the resolution of the scanned image.
"""


def test_duplex_feeder_options_are_understood(tmp_path):
    options = parse_options(DUPLEX_SCANNER)
    assert options.sources == ("ADF Front", "ADF Back", "ADF Duplex")
    assert options.modes == ("Lineart", "Halftone", "Gray", "Color")
    assert options.resolutions == (100, 150, 200, 240, 300, 400, 600)
    settings = ScanSettings(300, ColorMode.BW, PaperSource.FEEDER_DUPLEX)
    command, resolution = build_command("scanimage", "fujitsu:fi-7160:1", options, settings, tmp_path)
    assert resolution == 300
    assert command[command.index("--source") + 1] == "ADF Duplex"
    assert command[command.index("--mode") + 1] == "Lineart"
    assert "--batch-count=1" not in command
    with pytest.raises(ScanError) as caught:
        build_command("scanimage", "x", options, ScanSettings(source=PaperSource.FLATBED), tmp_path)
    assert caught.value.kind is ScanErrorKind.UNSUPPORTED and "Mặt kính" in caught.value.message


@pytest.mark.parametrize("args", [["--mode", "Gray"], ["--mode", "Color"], ["--mode", "Gray", "--depth", "1"]])
def test_pnm_size_from_header_tells_when_an_in_place_page_file_is_whole(sane_env, tmp_path, args):
    """Older scanimage writes pages in place (no .part): the header's size says when one is complete."""
    path = tmp_path / "p0001.pnm"
    subprocess.run(
        ["scanimage", "-d", "test", "--format=pnm", "--resolution", "50", *args, "-o", str(path)],
        env=sane_env,
        check=True,
        capture_output=True,
    )
    data = path.read_bytes()
    assert data.startswith(b"P") and b"# SANE data follows" in data[:40]
    assert pnm_size(data[:256]) == len(data)
    assert pnm_size(data[:20]) is None  # header cut short
    path.write_bytes(data[: len(data) - 10])
    assert not page_file_complete(path, exited=False)
    assert not page_file_complete(path, exited=True)  # cut short (a jam): not a page
    path.write_bytes(data)
    assert page_file_complete(path, exited=False)
    path.write_bytes(data[:20])
    assert not page_file_complete(path, exited=False)
    assert page_file_complete(path, exited=True)  # header unreadable: loading the file decides


HANGING_SCANIMAGE = r"""#!/bin/sh
# Stands in for scanimage as the test backend behaves about 1 run in 60 after a jam: it writes the
# pages, says the batch is over, then never exits.
case " $* " in
  *" -A "*) printf '    --source Flatbed|Automatic Document Feeder [Flatbed]\n    --mode Gray|Color [Gray]\n'; exit 0;;
esac
for arg in "$@"; do case "$arg" in --batch=*) pattern="${arg#--batch=}";; esac; done
out=$(printf "$pattern" 1)
printf 'P5\n2 2\n255\n\000\377\377\000' > "$out.part" && mv "$out.part" "$out"
echo "scanimage: sane_read: Document feeder jammed" >&2
echo "Batch terminated, 1 page scanned" >&2
exec sleep 60
"""


def test_scanimage_hanging_after_the_batch_is_killed_and_the_error_still_reported(tmp_path, private_tmp):
    program = tmp_path / "bin" / "scanimage"
    program.parent.mkdir()
    program.write_text(HANGING_SCANIMAGE, encoding="ascii")
    program.chmod(0o755)
    backend = SaneBackend(scanimage=str(program))
    received = []
    started = time.monotonic()
    with pytest.raises(ScanError) as caught:
        for page in backend.scan(DeviceInfo("sane:fake:0", "Giả", "sane"), FEEDER_GREY, CancelToken()):
            received.append(page)
    assert len(received) == 1 and received[0].image.size == (2, 2)
    assert caught.value.kind is ScanErrorKind.JAM
    assert time.monotonic() - started < 6
    assert scanimage_running(str(private_tmp)) == []
    assert list(private_tmp.iterdir()) == []
