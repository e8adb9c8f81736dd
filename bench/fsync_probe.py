"""How long does this machine's disk take to make 8 kB durable? (the floor under every commit)

Usage::

    python bench/fsync_probe.py [--dir /var/lib/postgresql] [--seconds 30] [--every 0.01]

Writes 8 kB into a file in ``--dir`` (by default PostgreSQL's data folder on Debian, so the same
disk as the WAL) and calls ``fdatasync`` every ``--every`` seconds, like a commit of one small
transaction; prints each flush slower than 50 ms as it happens, then median, p99 and max.

A push to the sync server is acknowledged only once its transaction is on disk, so no push can
be faster than the flush it waits for. bench_sync.py measures the same thing through
PostgreSQL during its load (a bare one-row commit every 50 ms); this probe needs no database and
shows whether the stalls are the disk's own, with nothing else running.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def probe(folder: str, seconds: float, every: float) -> list[float]:
    """Flush latencies in ms."""
    fd, path = tempfile.mkstemp(prefix="fsync-probe-", dir=folder)
    latencies: list[float] = []
    try:
        block = b"x" * 8192
        stop = time.monotonic() + seconds
        i = 0
        while time.monotonic() < stop:
            os.pwrite(fd, block, (i % 128) * 8192)  # the file stops growing after 1 MB: no metadata
            i += 1
            start = time.perf_counter()
            os.fdatasync(fd)
            ms = (time.perf_counter() - start) * 1000
            latencies.append(ms)
            if ms > 50:
                print(f"  {time.strftime('%H:%M:%S')} flush took {ms:.0f} ms", flush=True)
            time.sleep(every)
    finally:
        os.close(fd)
        os.unlink(path)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "/var/lib/postgresql" if os.access("/var/lib/postgresql", os.W_OK) else tempfile.gettempdir()
    parser.add_argument("--dir", default=default)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--every", type=float, default=0.01)
    args = parser.parse_args()
    print(f"8 kB write + fdatasync in {args.dir} every {args.every * 1000:.0f} ms for {args.seconds:.0f} s")
    lat = sorted(probe(args.dir, args.seconds, args.every))
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    slow = sum(1 for x in lat if x > 300)
    print(f"{len(lat)} flushes: median {statistics.median(lat):.2f} ms, p99 {p99:.1f} ms, max {lat[-1]:.0f} ms;"
          f" {slow} over 300 ms")  # fmt: skip


if __name__ == "__main__":
    main()
