"""eSCL client against a fake AirScan scanner over real HTTP on 127.0.0.1 (tests/escl_fake.py)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from app.scanning.devices.escl import EsclBackend, parse_capabilities, settings_xml
from app.scanning.model import CancelToken, ColorMode, PaperSource, ScanError, ScanErrorKind, ScanSettings
from tests.escl_fake import EsclFake, FakeScanner, capabilities_xml

FEEDER = ScanSettings(150, ColorMode.GRAY, PaperSource.FEEDER)


def scan_all(fake: EsclFake, settings: ScanSettings = FEEDER, cancel: CancelToken | None = None):
    backend = EsclBackend([fake.url], timeout=3)
    [device] = backend.list_devices()
    return list(backend.scan(device, settings, cancel or CancelToken()))


def shade(page) -> int:
    value = page.image.convert("L").getpixel((5, 5))
    return round(value / 20)  # the fake paints page n with grey level 20 * n


def test_capabilities_are_parsed_into_a_device():
    caps = parse_capabilities(capabilities_xml().encode())
    assert caps.make_and_model == "Fake AirScan 3000"
    assert caps.adf_duplex is not None and caps.platen is not None
    assert caps.platen.resolutions == (75, 150, 300, 600)
    assert caps.platen.color_modes == ("BlackAndWhite1", "Grayscale8", "RGB24")
    with EsclFake() as fake:
        [device] = EsclBackend([fake.url]).list_devices()
    assert device.id == f"escl:{fake.url}" and device.backend == "escl"
    assert device.name == "Fake AirScan 3000 (127.0.0.1)"
    assert device.sources == (PaperSource.FLATBED, PaperSource.FEEDER, PaperSource.FEEDER_DUPLEX)
    assert device.resolutions == (150, 300, 600)
    assert device.color_modes == (ColorMode.BW, ColorMode.GRAY, ColorMode.COLOR)


def test_settings_document_asks_for_feeder_duplex_grey_at_the_nearest_resolution():
    caps = parse_capabilities(capabilities_xml().encode()).adf_duplex
    assert caps is not None
    body = settings_xml(caps, ScanSettings(300, ColorMode.GRAY, PaperSource.FEEDER_DUPLEX), 300, "image/jpeg").decode()
    for part in (
        "<pwg:InputSource>Feeder</pwg:InputSource>",
        "<scan:Duplex>true</scan:Duplex>",
        "<scan:ColorMode>Grayscale8</scan:ColorMode>",
        "<scan:XResolution>300</scan:XResolution>",
        "<pwg:DocumentFormat>image/jpeg</pwg:DocumentFormat>",
        "<pwg:Width>2480</pwg:Width>",
    ):
        assert part in body


@pytest.mark.parametrize("fmt", ["image/png", "image/jpeg", "application/pdf"])
def test_feeder_batch_arrives_in_order_in_every_format(fmt):
    with EsclFake(FakeScanner(pages=4, fmt=fmt)) as fake:
        pages = scan_all(fake)
        [job] = fake.fake.jobs.values()
    assert [shade(p) for p in pages] == [1, 2, 3, 4]
    assert [p.origin for p in pages] == [f"escl:{fake.url} tờ {n}" for n in (1, 2, 3, 4)]
    assert all(p.image.mode == "L" and p.dpi == 150 for p in pages)
    assert "<pwg:InputSource>Feeder</pwg:InputSource>" in job.settings
    assert "<scan:XResolution>150</scan:XResolution>" in job.settings
    if fmt == "application/pdf":  # rendered at the scan resolution: 248 px at 150 dpi stays 248 px
        width, height = pages[0].image.size
        assert abs(width - 248) <= 1 and abs(height - 350) <= 1


def test_colour_flatbed_and_bw(tmp_path):
    with EsclFake(FakeScanner(pages=0)) as fake:
        [colour] = scan_all(fake, ScanSettings(300, ColorMode.COLOR, PaperSource.FLATBED))
        [bw] = scan_all(fake, ScanSettings(300, ColorMode.BW, PaperSource.FLATBED))
        settings = [job.settings for job in fake.fake.jobs.values()]
    assert colour.image.mode == "RGB" and bw.image.mode == "1"
    assert "<pwg:InputSource>Platen</pwg:InputSource>" in settings[0] and "RGB24" in settings[0]
    assert "BlackAndWhite1" in settings[1]
    assert bw.image.getpixel((100, 110)) == 0 and bw.image.getpixel((5, 5)) == 0  # bar and dark page 1


def test_duplex_pages_are_front_and_back():
    with EsclFake(FakeScanner(pages=4)) as fake:
        pages = scan_all(fake, ScanSettings(150, ColorMode.GRAY, PaperSource.FEEDER_DUPLEX))
    assert [p.origin.split(" ", 1)[1] for p in pages] == [
        "tờ 1 mặt trước",
        "tờ 1 mặt sau",
        "tờ 2 mặt trước",
        "tờ 2 mặt sau",
    ]


@pytest.mark.parametrize("status", [503, 404])
def test_jam_mid_batch_keeps_earlier_pages(status):
    """503 with the feeder jammed, or 404 with only the job Aborted for a jam: both are a jam."""
    with EsclFake(FakeScanner(pages=5, jam_after=2, jam_status=status)) as fake:
        backend = EsclBackend([fake.url], timeout=3)
        [device] = backend.list_devices()
        received = []
        with pytest.raises(ScanError) as caught:
            for page in backend.scan(device, FEEDER, CancelToken()):
                received.append(page)
    assert [shade(p) for p in received] == [1, 2]
    assert caught.value.kind is ScanErrorKind.JAM
    assert caught.value.message.startswith("Kẹt giấy trong khay nạp.")
    assert ("ScannerAdfJam" if status == 503 else "AdfJam") in caught.value.detail


def test_empty_feeder_is_no_paper():
    with EsclFake(FakeScanner(pages=0)) as fake, pytest.raises(ScanError) as caught:
        scan_all(fake)
    assert caught.value.kind is ScanErrorKind.NO_PAPER and "Đặt giấy vào khay nạp" in caught.value.message


def test_busy_answers_are_retried_after_the_delay():
    with EsclFake(FakeScanner(pages=1, busy_responses=1)) as fake:
        started = time.monotonic()
        pages = scan_all(fake)
    assert len(pages) == 1 and time.monotonic() - started >= 0.9  # honoured Retry-After: 1


def test_device_vanishing_mid_batch_is_device_gone():
    with EsclFake(FakeScanner(pages=5, vanish_after=2)) as fake:
        backend = EsclBackend([fake.url], timeout=2)
        [device] = backend.list_devices()
        received = []
        with pytest.raises(ScanError) as caught:
            for page in backend.scan(device, FEEDER, CancelToken()):
                received.append(page)
    assert len(received) == 2
    assert caught.value.kind is ScanErrorKind.DEVICE_GONE
    assert "Kiểm tra máy đã bật" in caught.value.message


def test_unreachable_scanner_is_left_out_of_the_list_and_gone_when_scanning():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/eSCL"
    backend = EsclBackend(["ftp://192.168.1.20/eSCL", url], timeout=1)
    assert backend.list_devices() == []
    with pytest.raises(ScanError) as caught:
        backend.capabilities("ftp://192.168.1.20/eSCL")
    assert "không hợp lệ" in caught.value.message
    with EsclFake() as fake:
        [device] = EsclBackend([fake.url]).list_devices()
    with pytest.raises(ScanError) as caught:
        list(EsclBackend([fake.url], timeout=1).scan(device, FEEDER, CancelToken()))
    assert caught.value.kind is ScanErrorKind.DEVICE_GONE


def test_scanner_that_stops_answering_is_device_gone():
    with EsclFake(FakeScanner(pages=3, next_document_delay=1.0)) as fake:
        backend = EsclBackend([fake.url], timeout=2, page_timeout=0.3)
        [device] = backend.list_devices()
        with pytest.raises(ScanError) as caught:
            list(backend.scan(device, FEEDER, CancelToken()))
    assert caught.value.kind is ScanErrorKind.DEVICE_GONE and "ReadTimeout" in caught.value.detail


def test_cancel_while_the_scanner_works_deletes_the_job():
    with EsclFake(FakeScanner(pages=5, next_document_delay=0.6)) as fake:
        backend = EsclBackend([fake.url], timeout=3)
        [device] = backend.list_devices()
        cancel = CancelToken()
        stream = backend.scan(device, FEEDER, cancel)
        first = next(stream)
        threading.Timer(0.1, cancel.cancel).start()
        started = time.monotonic()
        with pytest.raises(ScanError) as caught:
            next(stream)
        elapsed = time.monotonic() - started
        [job_id] = fake.fake.jobs
        assert fake.fake.deleted == [job_id]
    assert caught.value.kind is ScanErrorKind.CANCELLED
    assert elapsed < 0.5  # did not wait for the page in progress
    assert shade(first) == 1


def test_bad_xml_from_the_scanner_is_reported_not_crashed():
    with EsclFake(FakeScanner(bad_xml=True)) as fake:
        backend = EsclBackend([fake.url], timeout=2)
        assert backend.list_devices() == []
        with pytest.raises(ScanError) as caught:
            backend.capabilities(fake.url)
    assert caught.value.kind is ScanErrorKind.OTHER
    assert caught.value.message.startswith("Máy quét mạng trả lời không hợp lệ.")
    with pytest.raises(ScanError):
        parse_capabilities(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    with pytest.raises(ScanError):
        parse_capabilities(b"<html><body>Login</body></html>")


def test_unsupported_source():
    with EsclFake(FakeScanner(duplex=False)) as fake, pytest.raises(ScanError) as caught:
        scan_all(fake, ScanSettings(150, ColorMode.GRAY, PaperSource.FEEDER_DUPLEX))
    assert caught.value.kind is ScanErrorKind.UNSUPPORTED and "hai mặt" in caught.value.message
