"""SANE scanners through the ``scanimage`` command (no python-sane: it needs a compiler to install).

A scan runs ``scanimage --batch`` into a private temporary folder that is watched while it runs:
scanimage writes each page as ``pNNNN.pnm.part`` and renames it when complete (older versions write
in place; the PNM header's size tells when such a file is whole), so a feeder batch streams page by
page. Errors are read from scanimage's stderr (a file) and exit code.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from app.scanning.devices import COVER_OPEN_MESSAGE, scan_error, to_mode
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

STANDARD_RESOLUTIONS = (100, 150, 200, 240, 300, 400, 600)
_BW_MODES = ("lineart", "binary", "black & white", "black and white", "monochrome", "bw")
_GRAY_MODES = ("gray", "grey", "grayscale", "greyscale", "true gray", "8bit gray")
_COLOR_MODES = ("color", "colour", "24bit color", "rgb")
_OPTION_RE = re.compile(r"^\s+(--?[\w-]+)(?:\[=\(yes\|no\)\])?\s*(.*?)\s*(?:\[([^\]]*)\])?\s*$")
_STOP_GRACE_S = 3.0
POLL_S = 0.05
EXIT_GRACE_S = 3.0  # scanimage may hang on exit after saying the batch is over
BATCH_END = "Batch terminated"
PAGE_NAME = "p{:04d}.pnm"
NO_SANE_MESSAGE = "Máy tính chưa cài SANE (scanimage). Cài gói sane-utils."


@dataclass(frozen=True, slots=True)
class SaneOptions:
    """What a SANE device offers, parsed from ``scanimage -d DEV -A``."""

    sources: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    depths: tuple[int, ...] = ()
    resolutions: tuple[int, ...] = (150, 200, 300)
    duplex_option: bool = False  # a boolean ``--duplex`` next to a feeder source


def parse_options(text: str) -> SaneOptions:
    """Parse the option list printed by ``scanimage -A`` (only the options we set)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = _OPTION_RE.match(line)
        if match and match.group(1) not in values:
            values[match.group(1)] = match.group(2)
    return SaneOptions(
        sources=_choices(values.get("--source", "")),
        modes=_choices(values.get("--mode", "")),
        depths=tuple(int(v) for v in _choices(values.get("--depth", "")) if v.isdigit()),
        resolutions=_resolutions(values.get("--resolution", "")),
        duplex_option="--duplex" in values,
    )


def _choices(spec: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in spec.split("|") if v.strip())


def _resolutions(spec: str) -> tuple[int, ...]:
    spec = spec.removesuffix("dpi").split("(")[0].strip().removesuffix("dpi")
    if ".." in spec:
        low_text, high_text = spec.split("..", 1)
        try:
            low, high = float(low_text), float(high_text)
        except ValueError:
            return (150, 200, 300)
        found = tuple(r for r in STANDARD_RESOLUTIONS if low <= r <= high)
        return found or (int(high),)
    listed = tuple(int(float(v)) for v in spec.split("|") if re.fullmatch(r"\d+(\.\d+)?", v.strip()))
    return listed or (150, 200, 300)


def _source_kinds(sources: Sequence[str], duplex_option: bool) -> tuple[PaperSource, ...]:
    kinds: list[PaperSource] = []
    for kind in PaperSource:
        if _pick_source(sources, kind, duplex_option) is not None:
            kinds.append(kind)
    return tuple(kinds) or (PaperSource.FLATBED,)


def _pick_source(sources: Sequence[str], kind: PaperSource, duplex_option: bool) -> str | None:
    """The device's name for ``kind`` (e.g. "Automatic Document Feeder"), None when it has none."""
    lowered = [(s, s.lower()) for s in sources]
    feeders = [s for s, low in lowered if any(w in low for w in ("adf", "feeder", "automatic"))]
    if kind is PaperSource.FLATBED:
        return next((s for s, low in lowered if any(w in low for w in ("flatbed", "platen", "glass"))), None)
    duplex = [s for s in feeders if "duplex" in s.lower()]
    simplex = [s for s in feeders if "duplex" not in s.lower()]
    if kind is PaperSource.FEEDER:
        return simplex[0] if simplex else None
    if duplex:
        return duplex[0]
    return simplex[0] if simplex and duplex_option else None


def _pick_mode(options: SaneOptions, mode: ColorMode) -> list[str]:
    """scanimage arguments selecting ``mode``; the page is converted afterwards in any case."""
    wanted = {ColorMode.BW: _BW_MODES, ColorMode.GRAY: _GRAY_MODES, ColorMode.COLOR: _COLOR_MODES}[mode]
    for name in options.modes:
        if name.lower() in wanted:
            return ["--mode", name]
    if mode is ColorMode.BW:
        gray = _pick_mode(options, ColorMode.GRAY)
        return gray + (["--depth", "1"] if 1 in options.depths else [])
    return []


def nearest_resolution(options: SaneOptions, wanted: int) -> int:
    return min(options.resolutions, key=lambda r: (abs(r - wanted), -r)) if options.resolutions else wanted


def build_command(
    scanimage: str, device: str, options: SaneOptions, settings: ScanSettings, folder: Path
) -> tuple[list[str], int]:
    """The scanimage command line for ``settings`` and the resolution actually asked for.

    Raises:
        ScanError: UNSUPPORTED when the device has no such paper source.
    """
    resolution = nearest_resolution(options, settings.resolution)
    command = [scanimage, "-d", device, "--format=pnm", f"--batch={folder / 'p%04d.pnm'}"]
    command += ["--resolution", str(resolution), *_pick_mode(options, settings.color_mode)]
    if options.sources:
        source = _pick_source(options.sources, settings.source, options.duplex_option)
        if source is None:
            raise scan_error(
                ScanErrorKind.UNSUPPORTED,
                f"{device} has no source for {settings.source}: {options.sources}",
                f"Máy quét không có «{settings.source.label}». Chọn nguồn giấy khác rồi bấm Quét lại.",
            )
        command += ["--source", source]
        if settings.source is PaperSource.FEEDER_DUPLEX and "duplex" not in source.lower():
            command.append("--duplex=yes")
    if settings.source is PaperSource.FLATBED:
        command.append("--batch-count=1")
    return command, resolution


def classify_failure(stderr: str, returncode: int, pages: int, source: PaperSource) -> ScanError | None:
    """The error scanimage reported, or None for a normal end (feeder empty after some pages)."""
    text = stderr.lower()
    if "jammed" in text or "jam" in text.split():
        return scan_error(ScanErrorKind.JAM, stderr.strip())
    if "out of documents" in text or "no documents" in text:
        if pages == 0:
            return scan_error(ScanErrorKind.NO_PAPER, stderr.strip())
        return None
    if "cover is open" in text:
        return scan_error(ScanErrorKind.OTHER, stderr.strip(), COVER_OPEN_MESSAGE)
    if "device busy" in text:
        return scan_error(ScanErrorKind.BUSY, stderr.strip())
    if "operation was cancel" in text:
        return scan_error(ScanErrorKind.CANCELLED, stderr.strip())
    gone = ("open of device", "error during device i/o", "no such device", "no scanners were identified")
    if any(g in text for g in gone):
        return scan_error(ScanErrorKind.DEVICE_GONE, stderr.strip())
    if returncode != 0:
        return scan_error(ScanErrorKind.OTHER, f"scanimage exit {returncode}: {stderr.strip()}")
    if pages == 0:
        return scan_error(ScanErrorKind.OTHER, f"scanimage returned no page: {stderr.strip()}")
    return None


def load_page_image(path: Path, mode: ColorMode) -> Image.Image:
    """The pixels of a finished page file, in the Pillow mode of ``mode`` ("1", "L" or "RGB")."""
    with Image.open(path) as opened:
        opened.load()
        image = opened.copy()
    return to_mode(image, mode)


class SaneBackend:
    """SANE devices (USB scanners on Linux) driven through ``scanimage``."""

    name = "sane"

    def __init__(self, env: Mapping[str, str] | None = None, scanimage: str = "scanimage") -> None:
        """``env``: environment for scanimage (e.g. a private SANE_CONFIG_DIR); default os.environ."""
        self._env = dict(env) if env is not None else None
        self._scanimage = scanimage
        self._options: dict[str, SaneOptions] = {}

    @staticmethod
    def available(scanimage: str = "scanimage") -> bool:
        return shutil.which(scanimage) is not None

    def _run(self, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        """Run scanimage to the end; output through temporary files, not pipes (see _ScanRun)."""
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            try:
                proc = subprocess.run(
                    [self._scanimage, *args],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    timeout=timeout,
                    env=self._env,
                    check=False,
                )
            except FileNotFoundError as exc:
                raise scan_error(ScanErrorKind.UNSUPPORTED, str(exc), NO_SANE_MESSAGE) from exc
            except subprocess.TimeoutExpired as exc:
                raise scan_error(ScanErrorKind.DEVICE_GONE, f"scanimage {args} timed out") from exc
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode("utf-8", errors="replace")
            stderr = err.read().decode("utf-8", errors="replace")
        return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)

    def list_devices(self) -> list[DeviceInfo]:
        """Devices SANE finds, with their sources, resolutions and modes."""
        result = self._run(["-f", "%d\t%v\t%m\t%t%n"], timeout=60)
        devices = []
        for line in result.stdout.splitlines():
            parts = line.split("\t")
            if len(parts) < 3 or not parts[0]:
                continue
            name = parts[0]
            try:
                options = self.options(name)
            except ScanError:
                log.warning("SANE device %s: options unreadable", name, exc_info=True)
                options = SaneOptions()
            devices.append(self._device_info(name, f"{parts[1]} {parts[2]}".strip(), options))
        return devices

    @staticmethod
    def _device_info(name: str, label: str, options: SaneOptions) -> DeviceInfo:
        modes = tuple(m for m in ColorMode if _pick_mode(options, m) or not options.modes)
        return DeviceInfo(
            id=f"sane:{name}",
            name=f"{label} ({name})",
            backend="sane",
            sources=_source_kinds(options.sources, options.duplex_option),
            resolutions=options.resolutions,
            color_modes=modes or tuple(ColorMode),
        )

    def options(self, device: str) -> SaneOptions:
        """Options of ``device`` (cached per backend object)."""
        if device not in self._options:
            result = self._run(["-d", device, "-A"], timeout=30)
            if result.returncode != 0:
                failure = classify_failure(result.stderr, result.returncode, 0, PaperSource.FLATBED)
                raise failure or scan_error(ScanErrorKind.OTHER, result.stderr)
            self._options[device] = parse_options(result.stdout)
        return self._options[device]

    def scan(self, device: DeviceInfo, settings: ScanSettings, cancel: CancelToken) -> Iterator[Page]:
        """Yield pages as scanimage finishes them.

        Raises:
            ScanError: jam, no paper, device gone, busy, cancelled (pages yielded before stay valid).
        """
        name = device.id.removeprefix("sane:")
        options = self.options(name)
        folder = Path(tempfile.mkdtemp(prefix="motcua-sane-"))
        try:
            command, resolution = build_command(self._scanimage, name, options, settings, folder)
            yield from _ScanRun(command, self._env, settings, resolution, device.id, cancel, folder).pages()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


class _ScanRun:
    """One scanimage process writing pages into ``folder``; pages are taken as their files complete.

    No pipes: stdout goes to /dev/null and stderr to a file, and the end is the process's exit,
    so nothing waits for an end-of-file that an inherited descriptor could hold back.
    """

    def __init__(
        self,
        command: list[str],
        env: dict[str, str] | None,
        settings: ScanSettings,
        resolution: int,
        device_id: str,
        cancel: CancelToken,
        folder: Path,
    ) -> None:
        self.command = command
        self.env = env
        self.settings = settings
        self.resolution = resolution
        self.device_id = device_id
        self.cancel = cancel
        self.folder = folder
        self.stderr_path = folder / "scanimage-stderr.txt"

    def pages(self) -> Iterator[Page]:
        if self.cancel.cancelled:
            raise scan_error(ScanErrorKind.CANCELLED, "cancelled before start")
        with self.stderr_path.open("wb") as stderr:
            try:
                proc = subprocess.Popen(
                    self.command,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    stdin=subprocess.DEVNULL,
                    env=self.env,
                    start_new_session=os.name == "posix",
                )
            except FileNotFoundError as exc:
                raise scan_error(ScanErrorKind.UNSUPPORTED, str(exc), NO_SANE_MESSAGE) from exc
        count = 0
        ended_at: float | None = None  # when stderr said the batch was over
        killed_after_end = False
        try:
            while True:
                exited = proc.poll() is not None  # read before listing: files written before exit are seen
                path = self.folder / PAGE_NAME.format(count + 1)
                if page_file_complete(path, exited):
                    count += 1
                    yield self._page(path, count)
                    if self.cancel.cancelled:
                        raise scan_error(ScanErrorKind.CANCELLED, f"cancelled after {count} pages")
                    continue
                if exited:
                    break
                if ended_at is None:
                    ended_at = time.monotonic() if BATCH_END in self._stderr() else None
                elif time.monotonic() - ended_at > EXIT_GRACE_S:
                    # Seen with the test backend after a jam (about 1 run in 60): scanimage reports the
                    # end, then hangs on exit waiting for its reader thread.
                    log.warning("scanimage did not exit %.0f s after the batch ended; killed", EXIT_GRACE_S)
                    proc.kill()
                    proc.wait()
                    killed_after_end = True
                    continue
                if self.cancel.wait(POLL_S):
                    raise scan_error(ScanErrorKind.CANCELLED, f"cancelled after {count} pages")
            returncode = 0 if killed_after_end else proc.returncode
            failure = classify_failure(self._stderr(), returncode, count, self.settings.source)
            if failure is not None:
                raise failure
        finally:
            _stop(proc)

    def _stderr(self) -> str:
        try:
            return self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def _page(self, path: Path, count: int) -> Page:
        try:
            image = load_page_image(path, self.settings.color_mode)
        except OSError as exc:
            raise scan_error(ScanErrorKind.OTHER, f"page file {path} unreadable: {exc}") from exc
        finally:
            path.unlink(missing_ok=True)
        return Page(image, self.resolution, self.settings.color_mode, origin=self._origin(count))

    def _origin(self, count: int) -> str:
        if self.settings.source is PaperSource.FEEDER_DUPLEX:
            side = "mặt trước" if count % 2 == 1 else "mặt sau"
            return f"{self.device_id} tờ {(count + 1) // 2} {side}"
        return f"{self.device_id} tờ {count}"


def page_file_complete(path: Path, exited: bool) -> bool:
    """True when ``path`` holds a whole page.

    scanimage 1.0.28+ writes ``NAME.part`` and renames it when done; older versions write NAME in
    place, so the PNM header's size tells when it is whole. Once scanimage has exited, a file whose
    header cannot be read is taken as it is (loading it then says whether it is usable), but a
    file shorter than its header says (cut by a jam) is not.
    """
    if not path.exists():
        return False
    try:
        with path.open("rb") as handle:
            expected = pnm_size(handle.read(256))
        size = path.stat().st_size
    except OSError:
        return False
    if expected is None:
        return exited and size > 0
    return size >= expected


def pnm_size(head: bytes) -> int | None:
    """Total size of a binary PNM (P4/P5/P6) from its header, None when the header is incomplete."""
    kind = head[:2]
    if kind not in (b"P4", b"P5", b"P6"):
        return None
    numbers: list[int] = []
    pos = 2
    while len(numbers) < (2 if kind == b"P4" else 3):
        while pos < len(head) and head[pos : pos + 1] in (b" ", b"\t", b"\r", b"\n", b"#"):
            if head[pos : pos + 1] == b"#":  # scanimage writes "# SANE data follows"
                newline = head.find(b"\n", pos)
                if newline < 0:
                    return None
                pos = newline
            pos += 1
        match = re.match(rb"\d+", head[pos:])
        if match is None:
            return None
        numbers.append(int(match.group()))
        pos += match.end()
    if pos >= len(head):
        return None
    data_start = pos + 1  # one whitespace byte after the last number
    width, height = numbers[0], numbers[1]
    if kind == b"P4":
        return data_start + (width + 7) // 8 * height
    sample_bytes = 2 if numbers[2] > 255 else 1
    return data_start + width * height * (3 if kind == b"P6" else 1) * sample_bytes


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate scanimage (it cancels the scan on SIGTERM), then kill it if it hangs."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
