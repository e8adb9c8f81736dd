"""eSCL / AirScan client: driverless network scanners over HTTP, the same on every OS.

Protocol: ``GET ScannerCapabilities`` (XML), ``POST ScanJobs`` with a ScanSettings XML (201 +
Location), ``GET <job>/NextDocument`` until 404, ``DELETE <job>`` to cancel, ``GET ScannerStatus``
for jams and an empty feeder. Device ids are ``escl:<base url>`` (e.g. ``escl:http://10.0.0.5/eSCL``).
"""

from __future__ import annotations

import io
import logging
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

import httpx
import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError

from app.scanning.devices import scan_error, to_mode
from app.scanning.model import (
    CancelToken,
    ColorMode,
    DeviceInfo,
    Page,
    PaperSource,
    ScanError,
    ScanErrorKind,
    ScanSettings,
)

log = logging.getLogger(__name__)

NS_SCAN = "http://schemas.hp.com/imaging/escl/2011/05/03"
NS_PWG = "http://www.pwg.org/schemas/2010/12/sm"
ESCL_MODES = {ColorMode.BW: "BlackAndWhite1", ColorMode.GRAY: "Grayscale8", ColorMode.COLOR: "RGB24"}
A4_300THS = (2480, 3508)  # A4 in 1/300 inch, eSCL's unit
BUSY_WAIT_S = 60.0  # give up on a scanner that stays busy this long
RETRY_CAP_S = 5.0


@dataclass(frozen=True, slots=True)
class InputCaps:
    """What one input (platen, feeder simplex, feeder duplex) offers."""

    resolutions: tuple[int, ...]
    color_modes: tuple[str, ...]
    formats: tuple[str, ...]
    max_width: int
    max_height: int


@dataclass(frozen=True, slots=True)
class Capabilities:
    make_and_model: str
    platen: InputCaps | None
    adf_simplex: InputCaps | None
    adf_duplex: InputCaps | None

    def input_for(self, source: PaperSource) -> InputCaps | None:
        return {
            PaperSource.FLATBED: self.platen,
            PaperSource.FEEDER: self.adf_simplex,
            PaperSource.FEEDER_DUPLEX: self.adf_duplex,
        }[source]


def _bad_answer(detail: str) -> ScanError:
    return scan_error(
        ScanErrorKind.OTHER,
        detail,
        "Máy quét mạng trả lời không hợp lệ. Tắt rồi bật lại máy quét; nếu vẫn lỗi, cập nhật phần mềm của máy quét.",
    )


def _parse_xml(data: bytes, what: str) -> ET.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _bad_answer(f"{what}: DOCTYPE/ENTITY refused")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise _bad_answer(f"{what}: {exc}") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _all(element: ET.Element, name: str) -> list[ET.Element]:
    """Descendants named ``name`` in any namespace (scanners differ in prefixes)."""
    return [e for e in element.iter() if _local(e.tag) == name]


def _first(element: ET.Element, name: str) -> ET.Element | None:
    found = _all(element, name)
    return found[0] if found else None


def _text(element: ET.Element, name: str, default: str = "") -> str:
    found = _first(element, name)
    return (found.text or "").strip() if found is not None else default


def _int(element: ET.Element, name: str, default: int) -> int:
    try:
        return int(_text(element, name, str(default)))
    except ValueError:
        return default


def _input_caps(element: ET.Element | None) -> InputCaps | None:
    if element is None:
        return None
    resolutions = {int(e.text) for e in _all(element, "XResolution") if e.text and e.text.strip().isdigit()}
    for span in _all(element, "XResolutionRange"):
        low, high = _int(span, "Min", 0), _int(span, "Max", 0)
        resolutions.update(r for r in (75, 100, 150, 200, 300, 400, 600) if low <= r <= high)
    formats = [(e.text or "").strip() for e in _all(element, "DocumentFormat") + _all(element, "DocumentFormatExt")]
    modes = [(e.text or "").strip() for e in _all(element, "ColorMode")]
    return InputCaps(
        resolutions=tuple(sorted(resolutions)) or (300,),
        color_modes=tuple(dict.fromkeys(m for m in modes if m)),
        formats=tuple(dict.fromkeys(f for f in formats if f)),
        max_width=_int(element, "MaxWidth", A4_300THS[0]),
        max_height=_int(element, "MaxHeight", A4_300THS[1]),
    )


def parse_capabilities(data: bytes) -> Capabilities:
    """Parse ``ScannerCapabilities``.

    Raises:
        ScanError: OTHER when the XML is broken or not a capabilities document.
    """
    root = _parse_xml(data, "ScannerCapabilities")
    if _local(root.tag) != "ScannerCapabilities":
        raise _bad_answer(f"ScannerCapabilities: root is {root.tag}")
    caps = Capabilities(
        make_and_model=_text(root, "MakeAndModel", "Máy quét mạng"),
        platen=_input_caps(_first(root, "PlatenInputCaps")),
        adf_simplex=_input_caps(_first(root, "AdfSimplexInputCaps")),
        adf_duplex=_input_caps(_first(root, "AdfDuplexInputCaps")),
    )
    if caps.platen is None and caps.adf_simplex is None:
        raise _bad_answer("ScannerCapabilities: no platen and no feeder")
    return caps


def choose_format(caps: InputCaps, mode: ColorMode) -> str:
    """PNG for B/W (lossless), JPEG for grey and colour (small over the network), else PDF."""
    order = ("image/png", "image/jpeg") if mode is ColorMode.BW else ("image/jpeg", "image/png")
    for fmt in (*order, "application/pdf"):
        if fmt in caps.formats:
            return fmt
    return caps.formats[0] if caps.formats else "image/jpeg"


def choose_mode(caps: InputCaps, mode: ColorMode) -> str:
    """The eSCL colour mode for ``mode``; B/W falls back to grey (thresholded afterwards)."""
    wanted = ESCL_MODES[mode]
    if wanted in caps.color_modes or not caps.color_modes:
        return wanted
    if mode is ColorMode.BW and "Grayscale8" in caps.color_modes:
        return "Grayscale8"
    return caps.color_modes[0]


def settings_xml(caps: InputCaps, settings: ScanSettings, resolution: int, fmt: str) -> bytes:
    """The ScanSettings document for a job (A4, or the largest area when the input is smaller)."""
    source = "Platen" if settings.source is PaperSource.FLATBED else "Feeder"
    duplex = "true" if settings.source is PaperSource.FEEDER_DUPLEX else "false"
    width, height = min(A4_300THS[0], caps.max_width), min(A4_300THS[1], caps.max_height)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<scan:ScanSettings xmlns:scan="{NS_SCAN}" xmlns:pwg="{NS_PWG}">'
        "<pwg:Version>2.0</pwg:Version>"
        "<pwg:ScanRegions><pwg:ScanRegion>"
        f"<pwg:Height>{height}</pwg:Height><pwg:Width>{width}</pwg:Width>"
        "<pwg:XOffset>0</pwg:XOffset><pwg:YOffset>0</pwg:YOffset>"
        "<pwg:ContentRegionUnits>escl:ThreeHundredthsOfInches</pwg:ContentRegionUnits>"
        "</pwg:ScanRegion></pwg:ScanRegions>"
        f"<pwg:InputSource>{source}</pwg:InputSource>"
        f"<scan:Duplex>{duplex}</scan:Duplex>"
        f"<scan:ColorMode>{choose_mode(caps, settings.color_mode)}</scan:ColorMode>"
        f"<scan:XResolution>{resolution}</scan:XResolution><scan:YResolution>{resolution}</scan:YResolution>"
        f"<pwg:DocumentFormat>{fmt}</pwg:DocumentFormat>"
        f"<scan:DocumentFormatExt>{fmt}</scan:DocumentFormatExt>"
        "</scan:ScanSettings>"
    ).encode()


def decode_document(data: bytes, content_type: str, mode: ColorMode, dpi: int) -> list[Image.Image]:
    """Images in one NextDocument answer (a PDF may hold several pages), converted to ``mode``.

    Raises:
        ScanError: OTHER when the data is not a readable JPEG, PNG or PDF.
    """
    if data.startswith(b"%PDF") or "pdf" in content_type:
        return [to_mode(image, mode) for image in _pdf_images(data, dpi)]
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = opened.copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _bad_answer(f"NextDocument {content_type}: {exc}") from exc
    return [to_mode(image, mode)]


def _pdf_images(data: bytes, dpi: int) -> list[Image.Image]:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise _bad_answer(f"NextDocument PDF: {exc}") from exc
    images: list[Image.Image] = []
    try:
        for index in range(len(document)):
            page = document[index]
            try:
                images.append(page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255)).to_pil())
            finally:
                page.close()
    finally:
        document.close()
    return images


def _device_gone(exc: Exception) -> ScanError:
    return scan_error(ScanErrorKind.DEVICE_GONE, f"{type(exc).__name__}: {exc}")


class EsclBackend:
    """The eSCL scanners at the configured base URLs."""

    name = "escl"

    def __init__(self, urls: Sequence[str], *, timeout: float = 10.0, page_timeout: float = 120.0) -> None:
        """Talk to the scanners at ``urls``.

        Args:
            urls: base URLs, e.g. ``http://192.168.1.20/eSCL``.
            timeout: for capabilities, status, job creation and cancel.
            page_timeout: how long one page may take to arrive (the scanner scans meanwhile).
        """
        self.urls = [u.rstrip("/") for u in urls]
        self.timeout = timeout
        self.page_timeout = page_timeout
        self._caps: dict[str, Capabilities] = {}

    def _client(self) -> httpx.Client:
        return httpx.Client(timeout=self.timeout, follow_redirects=True, trust_env=False)

    def capabilities(self, url: str) -> Capabilities:
        """Capabilities of the scanner at ``url`` (cached).

        Raises:
            ScanError: DEVICE_GONE when unreachable, OTHER when the answer is not valid.
        """
        if url not in self._caps:
            try:
                with self._client() as client:
                    response = client.get(f"{url}/ScannerCapabilities")
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise scan_error(
                    ScanErrorKind.OTHER,
                    f"{url}: {exc}",
                    f"Địa chỉ máy quét mạng «{url}» không hợp lệ. Sửa địa chỉ trong phần cài đặt máy quét.",
                ) from exc
            except httpx.HTTPError as exc:
                raise _device_gone(exc) from exc
            if response.status_code != 200:
                raise _bad_answer(f"ScannerCapabilities: HTTP {response.status_code}")
            self._caps[url] = parse_capabilities(response.content)
        return self._caps[url]

    def list_devices(self) -> list[DeviceInfo]:
        """The configured scanners that answer; one that does not is logged and left out."""
        devices = []
        for url in self.urls:
            try:
                caps = self.capabilities(url)
            except ScanError as exc:
                log.warning("eSCL scanner %s left out: %s", url, exc.detail)
                continue
            devices.append(_device_info(url, caps))
        return devices

    def scan(self, device: DeviceInfo, settings: ScanSettings, cancel: CancelToken) -> Iterator[Page]:
        """Yield pages as the scanner delivers them.

        Raises:
            ScanError: JAM, NO_PAPER, BUSY, DEVICE_GONE, UNSUPPORTED, CANCELLED, OTHER.
        """
        url = device.id.removeprefix("escl:").rstrip("/")
        caps = self.capabilities(url)
        source = caps.input_for(settings.source)
        if source is None:
            raise scan_error(
                ScanErrorKind.UNSUPPORTED,
                f"{url} has no {settings.source}",
                f"Máy quét không có «{settings.source.label}». Chọn nguồn giấy khác rồi bấm Quét lại.",
            )
        resolution = min(source.resolutions, key=lambda r: (abs(r - settings.resolution), -r))
        body = settings_xml(source, settings, resolution, choose_format(source, settings.color_mode))
        job = _EsclJob(self, url, device.id, settings, resolution, cancel)
        yield from job.run(body)


def _device_info(url: str, caps: Capabilities) -> DeviceInfo:
    sources = tuple(kind for kind in PaperSource if caps.input_for(kind) is not None)
    inputs = [i for i in (caps.platen, caps.adf_simplex, caps.adf_duplex) if i is not None]
    resolutions = tuple(sorted({r for i in inputs for r in i.resolutions if 100 <= r <= 600})) or (300,)
    offered = {m for i in inputs for m in i.color_modes}
    modes = tuple(m for m in ColorMode if ESCL_MODES[m] in offered or (m is ColorMode.BW and "Grayscale8" in offered))
    return DeviceInfo(
        id=f"escl:{url}",
        name=f"{caps.make_and_model} ({httpx.URL(url).host})",
        backend="escl",
        sources=sources,
        resolutions=resolutions,
        color_modes=modes or tuple(ColorMode),
    )


class _EsclJob:
    """One scan job: create it, fetch documents until 404, read the status on trouble, cancel."""

    def __init__(
        self,
        backend: EsclBackend,
        url: str,
        device_id: str,
        settings: ScanSettings,
        resolution: int,
        cancel: CancelToken,
    ) -> None:
        self.backend = backend
        self.url = url
        self.device_id = device_id
        self.settings = settings
        self.resolution = resolution
        self.cancel = cancel
        self.job_url = ""
        self.count = 0
        self.client = backend._client()

    def run(self, body: bytes) -> Iterator[Page]:
        finished = False
        try:
            self._check_cancel()
            self.job_url = self._create(body)
            while True:
                response = self._next_document()
                if response is None:
                    finished = True
                    if self.count == 0:
                        raise self._nothing_scanned()
                    return
                for image in decode_document(
                    response.content,
                    response.headers.get("content-type", ""),
                    self.settings.color_mode,
                    self.resolution,
                ):
                    self.count += 1
                    yield Page(image, self.resolution, self.settings.color_mode, origin=self._origin())
                self._check_cancel()
        except ScanError as exc:
            finished = exc.kind in (ScanErrorKind.JAM, ScanErrorKind.DEVICE_GONE, ScanErrorKind.NO_PAPER)
            raise
        finally:
            if not finished:
                self._delete()
            self.client.close()

    def _nothing_scanned(self) -> ScanError:
        if self.settings.source is PaperSource.FLATBED:
            return scan_error(ScanErrorKind.OTHER, "flatbed job ended without a page")
        return scan_error(ScanErrorKind.NO_PAPER, "feeder job ended without a page")

    def _origin(self) -> str:
        if self.settings.source is PaperSource.FEEDER_DUPLEX:
            side = "mặt trước" if self.count % 2 == 1 else "mặt sau"
            return f"{self.device_id} tờ {(self.count + 1) // 2} {side}"
        return f"{self.device_id} tờ {self.count}"

    def _check_cancel(self) -> None:
        if self.cancel.cancelled:
            raise scan_error(ScanErrorKind.CANCELLED, f"eSCL scan cancelled after {self.count} pages")

    def _request(self, method: str, url: str, read_timeout: float | None = None, **kwargs: object) -> httpx.Response:
        """One HTTP request run aside so that cancel is noticed while the scanner works."""
        future: Future[httpx.Response] = Future()
        done = threading.Event()

        def work() -> None:
            try:
                timeout = httpx.Timeout(self.backend.timeout, read=read_timeout or self.backend.timeout)
                future.set_result(self.client.request(method, url, timeout=timeout, **kwargs))  # type: ignore[arg-type]
            except BaseException as exc:
                future.set_exception(exc)
            finally:
                done.set()

        threading.Thread(target=work, daemon=True, name="escl-request").start()
        while not done.wait(0.02):
            if self.cancel.cancelled:
                raise scan_error(ScanErrorKind.CANCELLED, f"eSCL scan cancelled after {self.count} pages")
        try:
            return future.result()
        except httpx.HTTPError as exc:
            raise _device_gone(exc) from exc

    def _create(self, body: bytes) -> str:
        headers = {"Content-Type": "text/xml"}
        deadline = time.monotonic() + BUSY_WAIT_S
        while True:
            response = self._request("POST", f"{self.url}/ScanJobs", content=body, headers=headers)
            if response.status_code == 201 and response.headers.get("location"):
                return str(httpx.URL(f"{self.url}/").join(response.headers["location"])).rstrip("/")
            if response.status_code == 409:
                raise self._status_error() or scan_error(ScanErrorKind.BUSY, "ScanJobs: 409 Conflict")
            if response.status_code != 503:
                raise _bad_answer(f"ScanJobs: HTTP {response.status_code}")
            self._wait_retry(response, deadline)

    def _next_document(self) -> httpx.Response | None:
        """The next document, or None when the job has no more pages."""
        deadline = time.monotonic() + BUSY_WAIT_S
        while True:
            response = self._request("GET", f"{self.job_url}/NextDocument", read_timeout=self.backend.page_timeout)
            if response.status_code == 200:
                return response
            failure = self._status_error()
            if failure is not None:
                raise failure
            if response.status_code == 404:
                return None
            if response.status_code != 503:
                raise scan_error(ScanErrorKind.OTHER, f"NextDocument: HTTP {response.status_code}")
            self._wait_retry(response, deadline)

    def _wait_retry(self, response: httpx.Response, deadline: float) -> None:
        if time.monotonic() >= deadline:
            raise scan_error(ScanErrorKind.BUSY, f"{response.request.url}: 503 for {BUSY_WAIT_S:.0f} s")
        try:
            delay = float(response.headers.get("retry-after", "1"))
        except ValueError:
            delay = 1.0
        if self.cancel.wait(min(max(delay, 0.1), RETRY_CAP_S)):
            self._check_cancel()

    def _status_error(self) -> ScanError | None:
        """JAM or NO_PAPER when ScannerStatus says so (for this job or the feeder), else None."""
        try:
            response = self._request("GET", f"{self.url}/ScannerStatus")
        except ScanError as exc:
            if exc.kind is ScanErrorKind.CANCELLED:
                raise
            return exc
        if response.status_code != 200:
            return None
        return status_error(response.content, self.job_url, self.count, self.settings.source)

    def _delete(self) -> None:
        if not self.job_url:
            return
        try:
            self.client.delete(self.job_url)
        except httpx.HTTPError:
            log.info("eSCL job %s: cancel not acknowledged", self.job_url)


def status_error(data: bytes, job_url: str, pages: int, source: PaperSource) -> ScanError | None:
    """Interpret ScannerStatus: a jam (feeder or this job), or an empty feeder before any page."""
    root = _parse_xml(data, "ScannerStatus")
    adf_state = _text(root, "AdfState")
    job_id = job_url.rstrip("/").rsplit("/", 1)[-1]
    reasons = []
    for info in _all(root, "JobInfo"):
        if job_id and job_id in (_text(info, "JobUri") + " " + _text(info, "JobUuid")):
            reasons = [_text(info, "JobState")] + [(e.text or "") for e in _all(info, "JobStateReason")]
    detail = f"AdfState={adf_state} job={reasons}"
    if "jam" in adf_state.lower() or any("jam" in r.lower() for r in reasons):
        return scan_error(ScanErrorKind.JAM, detail)
    if source is PaperSource.FLATBED:
        return None
    if pages == 0 and ("empty" in adf_state.lower() or any("mediaempty" in r.lower() for r in reasons)):
        return scan_error(ScanErrorKind.NO_PAPER, detail)
    return None
