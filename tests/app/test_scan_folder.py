"""Watched-folder backend with real files written slowly, as a network scanner does."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from app.scanning.devices.folder import FolderBackend
from app.scanning.model import CancelToken, ColorMode, ScanError, ScanErrorKind, ScanSettings

POLL = 0.1


def png_bytes(shade: int, size: tuple[int, int] = (300, 400)) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, shade).save(buffer, format="PNG", dpi=(200, 200))
    return buffer.getvalue()


def write_slowly(path: Path, data: bytes, chunks: int = 4, pause: float = 0.25) -> None:
    """Write ``data`` in pieces with pauses longer than a poll (a slow SMB copy)."""
    step = len(data) // chunks + 1
    with path.open("wb") as out:
        for start in range(0, len(data), step):
            out.write(data[start : start + step])
            out.flush()
            time.sleep(pause)


def in_thread(fn, *args) -> threading.Thread:
    thread = threading.Thread(target=fn, args=args, daemon=True)
    thread.start()
    return thread


def test_waits_for_complete_files_and_imports_them_in_order(tmp_path):
    backend = FolderBackend(tmp_path, poll_seconds=POLL, settle_seconds=0.5, idle_seconds=1.0)
    [device] = backend.list_devices()
    assert device.id == f"folder:{tmp_path}" and device.backend == "folder"

    def scanner() -> None:
        write_slowly(tmp_path / "scan9.png", png_bytes(90))
        partial = tmp_path / "scan10.png.part"  # written under a temporary name, then renamed
        write_slowly(partial, png_bytes(100))
        (tmp_path / "~scan11.png").write_bytes(png_bytes(110))  # an editor's lock file: ignored
        partial.rename(tmp_path / "scan10.png")

    writer = in_thread(scanner)
    pages = list(backend.scan(device, ScanSettings(), CancelToken()))
    writer.join()
    assert [p.image.getpixel((0, 0)) for p in pages] == [90, 100]  # every page complete, in order
    assert all(p.image.size == (300, 400) and p.color_mode is ColorMode.GRAY and p.dpi == 200 for p in pages)
    consumed = tmp_path / "da-nhap"
    assert sorted(p.name for p in consumed.iterdir()) == ["scan10.png", "scan9.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["da-nhap", "~scan11.png"]
    assert pages[0].meta["source_file"] == str(consumed / "scan9.png")


def test_files_arriving_together_are_taken_in_name_order_and_pdf_pages_point_to_the_moved_file(tmp_path):
    from tests.app.test_scan_import import make_pdf

    (tmp_path / "b-2.png").write_bytes(png_bytes(2))
    (tmp_path / "b-10.png").write_bytes(png_bytes(10))
    make_pdf(tmp_path / "a.pdf", 2)
    backend = FolderBackend(tmp_path, poll_seconds=POLL, settle_seconds=POLL, idle_seconds=0.3)
    pages = list(backend.scan(backend.device(), ScanSettings(), CancelToken()))
    assert [p.origin for p in pages] == [
        "nhập tệp a.pdf trang 1",
        "nhập tệp a.pdf trang 2",
        "nhập tệp b-2.png",
        "nhập tệp b-10.png",
    ]
    assert pages[0].pdf_page is not None and pages[0].pdf_page.path == tmp_path / "da-nhap" / "a.pdf"
    assert pages[0].pdf_page.path.exists()


def test_same_name_again_does_not_overwrite_a_consumed_file(tmp_path):
    backend = FolderBackend(tmp_path, poll_seconds=POLL, settle_seconds=POLL, idle_seconds=0.3)
    (tmp_path / "scan.png").write_bytes(png_bytes(1))
    list(backend.scan(backend.device(), ScanSettings(), CancelToken()))
    (tmp_path / "scan.png").write_bytes(png_bytes(2))
    [page] = backend.scan(backend.device(), ScanSettings(), CancelToken())
    assert page.image.getpixel((0, 0)) == 2
    assert sorted(p.name for p in (tmp_path / "da-nhap").iterdir()) == ["scan-2.png", "scan.png"]


def test_cancel_while_waiting_keeps_the_pages_already_taken(tmp_path):
    backend = FolderBackend(tmp_path, poll_seconds=POLL, settle_seconds=POLL, idle_seconds=None)
    (tmp_path / "1.png").write_bytes(png_bytes(50))
    cancel = CancelToken()
    stream = backend.scan(backend.device(), ScanSettings(), cancel)
    first = next(stream)
    threading.Timer(0.3, cancel.cancel).start()
    started = time.monotonic()
    with pytest.raises(ScanError) as caught:
        next(stream)
    assert caught.value.kind is ScanErrorKind.CANCELLED
    assert 0.25 < time.monotonic() - started < 1.0
    assert first.image.getpixel((0, 0)) == 50


def test_an_empty_file_left_behind_does_not_keep_the_session_open(tmp_path):
    (tmp_path / "loi.png").touch()  # the scanner gave up on this one
    (tmp_path / "trang.png").write_bytes(png_bytes(7))
    backend = FolderBackend(tmp_path, poll_seconds=POLL, settle_seconds=POLL, idle_seconds=0.3)
    cancel = CancelToken()
    safety = threading.Timer(3.0, cancel.cancel)  # the bug this guards against never ends the session
    safety.start()
    started = time.monotonic()
    [page] = backend.scan(backend.device(), ScanSettings(), cancel)
    safety.cancel()
    assert page.image.getpixel((0, 0)) == 7
    assert time.monotonic() - started < 2.0
    assert (tmp_path / "loi.png").exists()  # not consumed


def test_no_file_yet_keeps_waiting_past_idle_time(tmp_path):
    """Idle time only ends a session after at least one page; before that only cancel does."""
    backend = FolderBackend(tmp_path, poll_seconds=POLL, settle_seconds=POLL, idle_seconds=0.2)
    cancel = CancelToken()
    threading.Timer(0.6, cancel.cancel).start()
    with pytest.raises(ScanError) as caught:
        list(backend.scan(backend.device(), ScanSettings(), cancel))
    assert caught.value.kind is ScanErrorKind.CANCELLED


def test_corrupt_file_is_named_and_missing_folder_is_reported(tmp_path):
    (tmp_path / "hong.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    backend = FolderBackend(tmp_path, poll_seconds=POLL, settle_seconds=POLL, idle_seconds=0.3)
    with pytest.raises(ScanError) as caught:
        list(backend.scan(backend.device(), ScanSettings(), CancelToken()))
    assert caught.value.kind is ScanErrorKind.CORRUPT_FILE and "«hong.jpg»" in caught.value.message
    missing = FolderBackend(tmp_path / "o-mang-chua-noi")
    assert missing.list_devices() == []
    with pytest.raises(ScanError) as caught:
        list(missing.scan(missing.device(), ScanSettings(), CancelToken()))
    assert caught.value.kind is ScanErrorKind.DEVICE_GONE and "o-mang-chua-noi" in caught.value.message
