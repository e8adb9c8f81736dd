"""A small loopback TCP proxy for outage tests: pass traffic, cut connections, stall them, resume.

It runs its own asyncio loop in a daemon thread; every control method may be called from the
test's thread. Modes and actions:

* pass (default): bytes flow both ways;
* :meth:`Proxy.stall`: connections are accepted but nothing is forwarded — bytes already on
  the way stop mid-stream (the next chunk read is held), new connections are not connected to
  the server; peers see a silent, open connection until their own timeout;
* :meth:`Proxy.resume`: forwarding goes on (held bytes are delivered);
* :meth:`Proxy.cut`: every open connection is aborted (TCP RST) at once; new ones are accepted;
* :meth:`Proxy.cut_after`: abort every open connection once ``n`` more bytes went from the
  server to the clients (a response cut in the middle, e.g. half a pull page).

When the server does not accept, the client's connection is closed without an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class ProxyStats:
    """Counters since the proxy started."""

    accepted: int = 0
    cuts: int = 0  # connections aborted by cut() or cut_after()
    upstream_refused: int = 0
    bytes_up: int = 0  # client → server
    bytes_down: int = 0  # server → client


class Proxy:
    """``127.0.0.1:<port>`` → ``target_host:target_port``."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.stats = ProxyStats()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="net-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._flowing: asyncio.Event | None = None
        self._writers: set[asyncio.StreamWriter] = set()  # both ends of every connection
        self._clients: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._cut_budget: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- control (any thread) --------------------------------------------------------------------

    def start(self) -> Proxy:
        self._thread.start()
        self._call(self._start())
        return self

    def close(self) -> None:
        """Stop listening, abort every connection and stop the loop's thread."""
        if not self._thread.is_alive():
            return
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def stall(self) -> None:
        self._call(self._set_flowing(False))

    def resume(self) -> None:
        self._call(self._set_flowing(True))

    def cut(self) -> int:
        """Abort every open connection now; returns how many there were."""
        return self._call(self._cut())

    def cut_after(self, nbytes: int) -> None:
        """Abort every open connection once ``nbytes`` more went from the server to the clients."""
        self._call(self._arm(nbytes))

    @property
    def open_connections(self) -> int:
        """Client connections open now (stalled ones included)."""
        return self._call(self._count())

    def __enter__(self) -> Proxy:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    # --- on the loop ------------------------------------------------------------------------------

    async def _start(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        # The handlers end by themselves once their connections are aborted and nothing is held
        # (cancelling a stream handler task makes asyncio log an error).
        assert self._flowing is not None
        if self._server is not None:
            self._server.close()
        self._flowing.set()
        await self._cut(count=False)
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=5)
        if self._server is not None:
            await self._server.wait_closed()

    async def _set_flowing(self, flowing: bool) -> None:
        assert self._flowing is not None
        if flowing:
            self._flowing.set()
        else:
            self._flowing.clear()

    async def _cut(self, count: bool = True) -> int:
        cut = len(self._clients)
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        if count:
            self.stats.cuts += cut
        return cut

    async def _arm(self, nbytes: int) -> None:
        self._cut_budget = nbytes

    async def _count(self) -> int:
        return len(self._clients)

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.stats.accepted += 1
        self._writers.add(client_writer)
        self._clients.add(client_writer)
        task = asyncio.current_task()
        assert task is not None and self._flowing is not None
        self._tasks.add(task)
        server_writer: asyncio.StreamWriter | None = None
        try:
            await self._flowing.wait()  # stalled: accepted, but not connected onwards
            if client_writer.transport.is_closing():
                return
            try:
                server_reader, server_writer = await asyncio.open_connection(*self.target)
            except OSError:
                self.stats.upstream_refused += 1
                return
            self._writers.add(server_writer)
            up = asyncio.create_task(self._pipe(client_reader, server_writer, down=False))
            down = asyncio.create_task(self._pipe(server_reader, client_writer, down=True))
            _done, pending = await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
            for p in pending:
                p.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        finally:
            self._clients.discard(client_writer)
            for writer in (client_writer, server_writer):
                if writer is not None:
                    self._writers.discard(writer)
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
            self._tasks.discard(task)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, down: bool) -> None:
        assert self._flowing is not None
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()  # stalled mid-stream: this chunk is held
                if writer.transport.is_closing():
                    return
                if down and self._cut_budget is not None:
                    if len(data) >= self._cut_budget:
                        writer.write(data[: self._cut_budget])
                        self._cut_budget = None
                        await writer.drain()
                        await self._cut()
                        return
                    self._cut_budget -= len(data)
                writer.write(data)
                await writer.drain()
                if down:
                    self.stats.bytes_down += len(data)
                else:
                    self.stats.bytes_up += len(data)
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            return
