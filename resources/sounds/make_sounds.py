"""Generate the scan feedback sounds (scan_ok.wav, scan_error.wav): short tones, no samples taken
from anywhere else, so the files are this project's own (same licence as the project).

    .venv/bin/python resources/sounds/make_sounds.py

OK: two short rising beeps (1320 Hz, 1760 Hz) like a shop scanner. Error: two low buzzes
(220 Hz with odd harmonics), long enough to notice without looking at the screen.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050
HERE = Path(__file__).resolve().parent


def tone(freq: float, ms: int, volume: float, harmonics: tuple[float, ...] = (1.0,)) -> list[float]:
    n = RATE * ms // 1000
    fade = max(1, RATE * 5 // 1000)  # 5 ms ramps: no clicks
    out = []
    for i in range(n):
        t = i / RATE
        v = sum(a * math.sin(2 * math.pi * freq * (2 * k + 1) * t) for k, a in enumerate(harmonics))
        ramp = min(1.0, i / fade, (n - 1 - i) / fade)
        out.append(volume * ramp * v / sum(harmonics))
    return out


def silence(ms: int) -> list[float]:
    return [0.0] * (RATE * ms // 1000)


def write(name: str, samples: list[float]) -> None:
    with wave.open(str(HERE / name), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32767)) for s in samples))


def main() -> None:
    write("scan_ok.wav", tone(1320, 60, 0.5) + silence(20) + tone(1760, 90, 0.5))
    buzz = tone(220, 180, 0.6, (1.0, 0.5, 0.3))
    write("scan_error.wav", buzz + silence(70) + buzz)


if __name__ == "__main__":
    main()
