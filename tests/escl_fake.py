"""A fake eSCL (AirScan) scanner on 127.0.0.1: real HTTP, real XML, a feeder holding N pages.

Endpoints: ``/eSCL/ScannerCapabilities``, ``/eSCL/ScannerStatus``, ``POST /eSCL/ScanJobs`` (201 +
Location), ``GET <job>/NextDocument`` (one page per call, 404 when the feeder is empty),
``DELETE <job>``. It can jam after some pages (503 and the job Aborted with a jam reason), vanish
(close the connection and stop listening), answer with broken XML, or be busy for a while.
"""

from __future__ import annotations

import io
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image, ImageDraw

NS_SCAN = "http://schemas.hp.com/imaging/escl/2011/05/03"
NS_PWG = "http://www.pwg.org/schemas/2010/12/sm"


def page_image(number: int, fmt: str, size: tuple[int, int] = (248, 350)) -> bytes:
    """A page whose grey level encodes its number (pixel (5, 5) = 20 * number) with a black bar."""
    image = Image.new("RGB", size, (20 * number, 20 * number, 20 * number))
    ImageDraw.Draw(image).rectangle((40, 100, 200, 120), fill=(0, 0, 0))
    buffer = io.BytesIO()
    if fmt == "image/jpeg":
        image.save(buffer, format="JPEG", quality=95, dpi=(150, 150))
    elif fmt == "application/pdf":
        image.save(buffer, format="PDF", resolution=150)
    else:
        image.save(buffer, format="PNG", dpi=(150, 150))
    return buffer.getvalue()


def capabilities_xml(*, duplex: bool = True, formats: tuple[str, ...] = ("image/jpeg", "image/png")) -> str:
    def input_caps(tag: str) -> str:
        modes = "".join(f"<scan:ColorMode>{m}</scan:ColorMode>" for m in ("BlackAndWhite1", "Grayscale8", "RGB24"))
        fmts = "".join(f"<pwg:DocumentFormat>{f}</pwg:DocumentFormat>" for f in formats)
        resolutions = "".join(
            f"<scan:DiscreteResolution><scan:XResolution>{r}</scan:XResolution>"
            f"<scan:YResolution>{r}</scan:YResolution></scan:DiscreteResolution>"
            for r in (75, 150, 300, 600)
        )
        return (
            f"<scan:{tag}><scan:MinWidth>16</scan:MinWidth><scan:MaxWidth>2550</scan:MaxWidth>"
            "<scan:MinHeight>16</scan:MinHeight><scan:MaxHeight>4200</scan:MaxHeight>"
            f"<scan:SettingProfiles><scan:SettingProfile><scan:ColorModes>{modes}</scan:ColorModes>"
            f"<scan:DocumentFormats>{fmts}</scan:DocumentFormats>"
            f"<scan:SupportedResolutions><scan:DiscreteResolutions>{resolutions}</scan:DiscreteResolutions>"
            "</scan:SupportedResolutions></scan:SettingProfile></scan:SettingProfiles>"
            f"</scan:{tag}>"
        )

    adf = input_caps("AdfSimplexInputCaps") + (input_caps("AdfDuplexInputCaps") if duplex else "")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<scan:ScannerCapabilities xmlns:scan="{NS_SCAN}" xmlns:pwg="{NS_PWG}">'
        "<pwg:Version>2.63</pwg:Version><pwg:MakeAndModel>Fake AirScan 3000</pwg:MakeAndModel>"
        f"<scan:Platen>{input_caps('PlatenInputCaps')}</scan:Platen>"
        f"<scan:Adf>{adf}<scan:FeederCapacity>50</scan:FeederCapacity></scan:Adf>"
        "</scan:ScannerCapabilities>"
    )


@dataclass
class Job:
    id: str
    settings: str
    state: str = "Processing"
    reason: str = "JobScanning"
    delivered: int = 0


@dataclass
class FakeScanner:
    """Behaviour of the fake device; tests change it between or during scans."""

    pages: int = 3  # sheets in the feeder (a flatbed job gives one page)
    fmt: str = "image/png"
    duplex: bool = True
    jam_after: int | None = None  # jam when this many pages were delivered
    jam_status: int = 503  # what NextDocument answers at the jam (some scanners say 404, job Aborted)
    vanish_after: int | None = None  # stop listening when this many pages were delivered
    busy_responses: int = 0  # first NextDocument calls answer 503 Retry-After: 1 this many times
    bad_xml: bool = False
    jobs: dict[str, Job] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    next_document_delay: float = 0.0
    adf_state: str = "ScannerAdfLoaded"

    def status_xml(self) -> str:
        jobs = "".join(
            f"<scan:JobInfo><pwg:JobUri>/eSCL/ScanJobs/{j.id}</pwg:JobUri><pwg:JobUuid>{j.id}</pwg:JobUuid>"
            f"<pwg:JobState>{j.state}</pwg:JobState><pwg:JobStateReasons><pwg:JobStateReason>{j.reason}"
            "</pwg:JobStateReason></pwg:JobStateReasons></scan:JobInfo>"
            for j in self.jobs.values()
        )
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><scan:ScannerStatus xmlns:scan="{NS_SCAN}" xmlns:pwg="{NS_PWG}">'
            "<pwg:Version>2.63</pwg:Version><pwg:State>Idle</pwg:State>"
            f"<scan:AdfState>{self.adf_state}</scan:AdfState><scan:Jobs>{jobs}</scan:Jobs></scan:ScannerStatus>"
        )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def handle(self) -> None:
        if self.server.gone:
            self.connection.close()  # switched off: no answer
            return
        super().handle()

    def _send(self, code: int, body: bytes = b"", content_type: str = "text/xml", **headers: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        fake = self.server.fake
        if self.path == "/eSCL/ScannerCapabilities":
            if fake.bad_xml:
                self._send(200, b"<scan:ScannerCapabilities><unclosed>")
            else:
                self._send(200, capabilities_xml(duplex=fake.duplex, formats=(fake.fmt,)).encode())
        elif self.path == "/eSCL/ScannerStatus":
            self._send(200, fake.status_xml().encode())
        elif self.path.startswith("/eSCL/ScanJobs/") and self.path.endswith("/NextDocument"):
            self._next_document(self.path.split("/")[3])
        else:
            self._send(404)

    def _next_document(self, job_id: str) -> None:
        fake = self.server.fake
        job = fake.jobs.get(job_id)
        if fake.next_document_delay:
            threading.Event().wait(fake.next_document_delay)
        if job is None or job.state in ("Canceled", "Aborted", "Completed"):
            self._send(404)
            return
        if fake.vanish_after is not None and job.delivered >= fake.vanish_after:
            self.server.vanish()
            self.close_connection = True
            self.connection.close()
            return
        if fake.busy_responses > 0:
            fake.busy_responses -= 1
            self._send(503, Retry_After="1")
            return
        if fake.jam_after is not None and job.delivered >= fake.jam_after:
            job.state, job.reason = "Aborted", "AdfJam"
            fake.adf_state = "ScannerAdfJam" if fake.jam_status == 503 else "ScannerAdfLoaded"
            self._send(fake.jam_status)
            return
        feeder = "<pwg:InputSource>Feeder</pwg:InputSource>" in job.settings
        remaining = fake.pages if feeder else 1 - job.delivered
        if remaining <= 0:
            job.state, job.reason = "Completed", "JobCompletedSuccessfully"
            if feeder:
                fake.adf_state = "ScannerAdfEmpty"
            self._send(404)
            return
        if feeder:
            fake.pages -= 1
        job.delivered += 1
        self._send(200, page_image(job.delivered, fake.fmt), content_type=fake.fmt)

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        if self.path != "/eSCL/ScanJobs":
            self._send(404)
            return
        if "<pwg:InputSource>Feeder</pwg:InputSource>" in body and fake.pages <= 0:
            fake.adf_state = "ScannerAdfEmpty"
            self._send(409)
            return
        job = Job(uuid.uuid4().hex, body)
        fake.jobs[job.id] = job
        self._send(201, Location=f"/eSCL/ScanJobs/{job.id}")

    def do_DELETE(self) -> None:
        fake = self.server.fake
        job_id = self.path.rstrip("/").split("/")[-1]
        job = fake.jobs.get(job_id)
        if job is None:
            self._send(404)
            return
        job.state, job.reason = "Canceled", "JobCanceledByUser"
        fake.deleted.append(job_id)
        self._send(200)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeScanner) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self._gone = threading.Event()

    @property
    def gone(self) -> bool:
        return self._gone.is_set()

    def vanish(self) -> None:
        """Stop listening (later connections are refused), as a scanner switched off."""
        if not self._gone.is_set():
            self._gone.set()
            threading.Thread(target=self._close, daemon=True).start()

    def _close(self) -> None:
        self.shutdown()
        self.server_close()


class EsclFake:
    """Context manager running a FakeScanner; ``url`` is the eSCL base URL."""

    def __init__(self, fake: FakeScanner | None = None) -> None:
        self.fake = fake or FakeScanner()
        self.server = _Server(self.fake)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/eSCL"

    def __enter__(self) -> EsclFake:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.server._gone.is_set():
            self.server.shutdown()
            self.server.server_close()
        self.thread.join(timeout=5)
