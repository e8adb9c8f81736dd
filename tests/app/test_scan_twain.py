"""TWAIN backend through its interface with a fake ``twain`` module (pytwain cannot open on Linux).

The fake follows pytwain 2.x: SourceManager(parent_window).source_list / open_source(name) /
close(); Source.set_capability(cap, type, value), get_capability_current(cap),
acquire_natively(after, before, show_ui, modal) calling after(image, more) per page, where
raising exceptions.CancelAll stops the remaining transfers; image.save(path) writes a BMP.
"""

from __future__ import annotations

import sys
import threading
import time
import types

import pytest
from PIL import Image

from app.scanning.devices import ScannerConfig, backends
from app.scanning.devices.twain import TwainBackend
from app.scanning.model import CancelToken, ColorMode, PaperSource, ScanError, ScanErrorKind, ScanSettings


class TwainError(Exception):
    pass


def make_module(pages: int = 3, *, jam_at: int | None = None, delay: float = 0.0, feeder_loaded: bool = True):
    """A fake pytwain: one source "Fake TWAIN" with ``pages`` sheets; page n has grey level 40 * n."""
    exceptions = types.SimpleNamespace(
        TwainError=TwainError,
        CancelAll=type("CancelAll", (Exception,), {}),
        PaperJam=type("PaperJam", (TwainError,), {}),
        CapUnsupported=type("CapUnsupported", (TwainError,), {}),
        NoDataSourceError=type("NoDataSourceError", (TwainError,), {}),
    )
    names = "ICAP_PIXELTYPE ICAP_UNITS ICAP_XRESOLUTION ICAP_YRESOLUTION CAP_FEEDERENABLED CAP_AUTOFEED "
    names += (
        "CAP_DUPLEXENABLED CAP_FEEDERLOADED TWTY_UINT16 TWTY_FIX32 TWTY_BOOL TWPT_BW TWPT_GRAY TWPT_RGB TWUN_INCHES"
    )
    constants = types.SimpleNamespace(**{name: name for name in names.split()})
    state = types.SimpleNamespace(caps={}, delivered=0, source_closed=False, manager_closed=False, images=[])

    class NativeImage:
        def __init__(self, n: int) -> None:
            self.image = Image.new("RGB", (60, 80), (40 * n, 40 * n, 40 * n))
            self.closed = False
            state.images.append(self)

        def save(self, path: str) -> None:
            self.image.save(path, format="BMP")

        def close(self) -> None:
            self.closed = True

    class Source:
        def set_capability(self, cap, type_id, value):
            if cap == "CAP_DUPLEXENABLED" and value:
                raise exceptions.CapUnsupported()
            state.caps[cap] = value

        def get_capability_current(self, cap):
            return "TWTY_BOOL", feeder_loaded

        def acquire_natively(self, after, before=None, show_ui=True, modal=False):
            assert show_ui is False
            for n in range(1, pages + 1):
                time.sleep(delay)
                if jam_at == n:
                    raise exceptions.PaperJam()
                state.delivered = n
                try:
                    after(NativeImage(n), pages - n)
                except exceptions.CancelAll:
                    return

        def close(self):
            state.source_closed = True

    class SourceManager:
        def __init__(self, parent_window=None):
            self.parent_window = parent_window

        @property
        def source_list(self):
            return ["Fake TWAIN"]

        def open_source(self, name):
            if name != "Fake TWAIN":
                raise exceptions.NoDataSourceError()
            return Source()

        def close(self):
            state.manager_closed = True

    module = types.ModuleType("twain")
    module.SourceManager = SourceManager
    module.exceptions = exceptions
    module.constants = constants
    module.state = state
    return module


@pytest.fixture
def fake_twain(monkeypatch):
    def install(**kwargs):
        module = make_module(**kwargs)
        monkeypatch.setitem(sys.modules, "twain", module)
        return module.state

    return install


def device():
    [found] = TwainBackend().list_devices()
    return found


def test_lists_sources_and_acquires_every_page_in_order(fake_twain):
    state = fake_twain(pages=3)
    dev = device()
    assert dev.id == "twain:Fake TWAIN" and dev.backend == "twain"
    pages = list(TwainBackend().scan(dev, ScanSettings(200, ColorMode.GRAY, PaperSource.FEEDER), CancelToken()))
    assert [p.image.getpixel((0, 0)) for p in pages] == [40, 80, 120]
    assert all(p.image.mode == "L" and p.dpi == 200 for p in pages)
    assert [p.origin for p in pages] == ["twain:Fake TWAIN tờ 1", "twain:Fake TWAIN tờ 2", "twain:Fake TWAIN tờ 3"]
    assert state.caps["ICAP_PIXELTYPE"] == "TWPT_GRAY" and state.caps["ICAP_XRESOLUTION"] == 200.0
    assert state.caps["CAP_FEEDERENABLED"] is True and state.caps["CAP_DUPLEXENABLED"] is False
    assert state.source_closed and state.manager_closed
    assert all(image.closed for image in state.images)  # native memory released


def test_bw_flatbed_gives_a_bilevel_page(fake_twain):
    state = fake_twain(pages=1)
    [page] = TwainBackend().scan(device(), ScanSettings(300, ColorMode.BW, PaperSource.FLATBED), CancelToken())
    assert page.image.mode == "1" and state.caps["CAP_FEEDERENABLED"] is False


def test_jam_keeps_earlier_pages_and_says_what_to_do(fake_twain):
    state = fake_twain(pages=5, jam_at=3)
    received = []
    with pytest.raises(ScanError) as caught:
        for page in TwainBackend().scan(device(), ScanSettings(source=PaperSource.FEEDER), CancelToken()):
            received.append(page)
    assert len(received) == 2
    assert caught.value.kind is ScanErrorKind.JAM and caught.value.message.startswith("Kẹt giấy trong khay nạp.")
    assert state.source_closed and state.manager_closed


def test_cancel_stops_the_remaining_transfers(fake_twain):
    state = fake_twain(pages=10, delay=0.1)
    cancel = CancelToken()
    stream = TwainBackend().scan(device(), ScanSettings(source=PaperSource.FEEDER), cancel)
    first = next(stream)
    threading.Timer(0.05, cancel.cancel).start()
    with pytest.raises(ScanError) as caught:
        next(stream)
    assert caught.value.kind is ScanErrorKind.CANCELLED
    assert first.image.getpixel((0, 0)) == 0  # B/W default: grey 40 is below the threshold
    assert state.delivered < 10 and state.source_closed and state.manager_closed


def test_unsupported_duplex_empty_feeder_and_missing_source(fake_twain):
    fake_twain(pages=2)
    with pytest.raises(ScanError) as caught:
        list(TwainBackend().scan(device(), ScanSettings(source=PaperSource.FEEDER_DUPLEX), CancelToken()))
    assert caught.value.kind is ScanErrorKind.UNSUPPORTED and "nguồn giấy" in caught.value.message
    fake_twain(pages=2, feeder_loaded=False)
    with pytest.raises(ScanError) as caught:
        list(TwainBackend().scan(device(), ScanSettings(source=PaperSource.FEEDER), CancelToken()))
    assert caught.value.kind is ScanErrorKind.NO_PAPER
    gone = device().__class__("twain:Máy đã tháo", "Máy đã tháo", "twain")
    with pytest.raises(ScanError) as caught:
        list(TwainBackend().scan(gone, ScanSettings(), CancelToken()))
    assert caught.value.kind is ScanErrorKind.DEVICE_GONE


def test_without_pytwain_twain_is_unsupported_and_left_out_off_windows(monkeypatch):
    monkeypatch.setitem(sys.modules, "twain", None)  # import fails
    with pytest.raises(ScanError) as caught:
        TwainBackend().list_devices()
    assert caught.value.kind is ScanErrorKind.UNSUPPORTED and "Windows" in caught.value.message
    assert sys.platform != "win32"
    assert all(b.name != "twain" for b in backends(ScannerConfig()))
