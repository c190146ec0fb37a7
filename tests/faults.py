"""A cuttable TCP proxy: the network faults of issue 11, reproduced in the test process.

``Proxy(host, port)`` listens on 127.0.0.1 (a free port) and forwards every connection to
``host:port`` (PostgreSQL, Redis). At run time it can be switched to:

- ``passing()``: forward (the default);
- ``refusing()``: new connections are refused (the listening socket is closed: the client gets
  ECONNREFUSED, as from a stopped server); connections already open keep working;
- ``reset()``: every open connection is reset (RST to the client, the upstream side closed), as
  by a restart of the server or a stateful firewall that forgot them;
- ``blackhole()``: a partition. New connections are accepted and never answered; open ones
  forward nothing (bytes wait in the kernel's buffers, as TCP retransmits them); ``passing()``
  heals it and the held bytes flow on;
- ``cut(pattern=..., after_bytes=..., deliver=...)``: arm a one-shot trigger. The first
  connection whose bytes in ``direction`` ("up": client to server, "down": server to client)
  reach ``after_bytes`` since arming, or contain ``pattern``, is reset. ``deliver=False`` resets
  it before the triggering bytes are forwarded (a COMMIT lost on its way: nothing committed);
  ``deliver=True`` forwards them first and then resets the connection before a byte of the
  answer reaches the client (the COMMIT done, its response lost). The returned event is set
  when the cut happened.

Threads only, no external tools; ``close()`` stops everything. Used by ``tests/chaos``.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

_CHUNK = 65536


@dataclass
class _Trigger:
    pattern: bytes | None
    after_bytes: int | None
    deliver: bool
    direction: str
    fired: threading.Event = field(default_factory=threading.Event)
    seen: dict[int, int] = field(default_factory=dict)  # id(link) → bytes since arming
    tails: dict[int, bytes] = field(default_factory=dict)  # id(link) → last bytes (pattern)

    def matches(self, link_id: int, data: bytes) -> bool:
        if self.after_bytes is not None:
            total = self.seen.get(link_id, 0) + len(data)
            self.seen[link_id] = total
            if total >= self.after_bytes:
                return True
        if self.pattern is not None:
            window = self.tails.get(link_id, b"") + data
            if self.pattern in window:
                return True
            self.tails[link_id] = (
                window[-(len(self.pattern) - 1) :] if len(self.pattern) > 1 else b""
            )
        return False


class _Link:
    """One client connection and its upstream connection."""

    def __init__(self, client: socket.socket):
        self.client = client
        self.upstream: socket.socket | None = None
        self.closed = threading.Event()
        self.answered = threading.Event()  # the server sent bytes after the link was cut
        self.lock = threading.Lock()

    def reset(self) -> None:
        """RST to the client (linger 0), close the upstream side."""
        with self.lock:
            if self.closed.is_set():
                return
            self.closed.set()
            for sock in (self.client, self.upstream):
                if sock is None:
                    continue
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                with contextlib.suppress(OSError):
                    sock.close()


class Proxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.mode = "pass"
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._links: list[_Link] = []
        self._trigger: _Trigger | None = None
        self.forwarded = {"up": 0, "down": 0}  # bytes passed on, for choosing cut points
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self.port = self._listen(0)
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    # -- switches ------------------------------------------------------------------------

    def passing(self) -> None:
        with self._lock:
            self.mode = "pass"
            self._changed.notify_all()
        if self._listener is None:
            self._listen(self.port)

    def refusing(self) -> None:
        with self._lock:
            self.mode = "refuse"
            listener, self._listener = self._listener, None
        if listener is not None:
            self._stop_listening(listener)

    def blackhole(self) -> None:
        with self._lock:
            self.mode = "blackhole"
        if self._listener is None:
            self._listen(self.port)

    def reset(self) -> None:
        with self._lock:
            links, self._links = self._links, []
        for link in links:
            link.reset()

    def cut(
        self,
        *,
        pattern: bytes | None = None,
        after_bytes: int | None = None,
        deliver: bool = False,
        direction: str = "up",
    ) -> threading.Event:
        assert pattern is not None or after_bytes is not None
        assert direction in ("up", "down")
        trigger = _Trigger(pattern, after_bytes, deliver, direction)
        with self._lock:
            self._trigger = trigger
        return trigger.fired

    def disarm(self) -> None:
        with self._lock:
            self._trigger = None

    @property
    def connections(self) -> int:
        with self._lock:
            return sum(1 for link in self._links if not link.closed.is_set())

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self.mode = "pass"
            self._changed.notify_all()  # wake the pumps held by a blackhole
        listener, self._listener = self._listener, None
        if listener is not None:
            self._stop_listening(listener)
        self._acceptor.join(2)
        self.reset()

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- machinery -----------------------------------------------------------------------

    def _listen(self, port: int) -> int:
        listener = socket.socket()
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", port))
            listener.listen(64)
        except OSError:
            listener.close()
            raise
        listener.settimeout(0.05)
        self._listener = listener
        return int(listener.getsockname()[1])

    @staticmethod
    def _stop_listening(listener: socket.socket) -> None:
        """shutdown wakes an accept in progress and ends the listening state at once (a bare
        close would leave it listening until that accept returns)."""
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            listener = self._listener
            if listener is None:
                time.sleep(0.02)
                continue
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            client.settimeout(None)
            link = _Link(client)
            with self._lock:
                if listener is not self._listener or self._stop.is_set():  # refused meanwhile
                    link.reset()
                    continue
                self._links.append(link)
            threading.Thread(target=self._open, args=(link,), daemon=True).start()

    def _wait_while_blackholed(self, link: _Link) -> bool:
        """Hold until the proxy passes again; False if the link ended meanwhile."""
        with self._lock:
            while self.mode == "blackhole" and not link.closed.is_set() and not self._stop.is_set():
                self._changed.wait(0.05)
        return not link.closed.is_set()

    def _open(self, link: _Link) -> None:
        if not self._wait_while_blackholed(link):
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            link.reset()
            return
        upstream.settimeout(None)
        with link.lock:
            if link.closed.is_set():
                upstream.close()
                return
            link.upstream = upstream
        threading.Thread(target=self._pump, args=(link, "down"), daemon=True).start()
        self._pump(link, "up")

    def _pump(self, link: _Link, direction: str) -> None:
        assert link.upstream is not None
        source, sink = (
            (link.client, link.upstream) if direction == "up" else (link.upstream, link.client)
        )
        while not link.closed.is_set():
            try:
                ready, _, _ = select.select([source], [], [], 0.05)
            except (OSError, ValueError):
                break
            if not ready:
                continue
            if not self._wait_while_blackholed(link):
                break
            try:
                data = source.recv(_CHUNK)
            except OSError:
                break
            if not data:
                break
            with self._lock:
                trigger = self._trigger
                fire = (
                    trigger is not None
                    and trigger.direction == direction
                    and trigger.matches(id(link), data)
                )
                if fire:
                    self._trigger = None
            if fire and trigger is not None:
                if not trigger.deliver:
                    link.reset()
                elif direction == "up":
                    self._deliver_upstream_then_reset(link, data)
                else:
                    with contextlib.suppress(OSError):
                        sink.sendall(data)
                    link.reset()
                trigger.fired.set()
                break
            if link.closed.is_set():
                if direction == "down":
                    link.answered.set()
                break
            try:
                sink.sendall(data)
            except OSError:
                break
            with self._lock:
                self.forwarded[direction] += len(data)
        link.reset()

    @staticmethod
    def _deliver_upstream_then_reset(link: _Link, data: bytes) -> None:
        """Reset the client first (so no byte of the answer can reach it), then send ``data``
        to the server and wait for its answer (the statement done) before closing upstream."""
        upstream = link.upstream
        with link.lock:
            link.closed.set()
            with contextlib.suppress(OSError):
                link.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            with contextlib.suppress(OSError):
                link.client.close()
        if upstream is None:
            return
        with contextlib.suppress(OSError, ValueError):
            upstream.sendall(data)
            deadline = time.monotonic() + 2
            while not link.answered.is_set() and time.monotonic() < deadline:
                if select.select([upstream], [], [], 0.02)[0]:
                    break
        with contextlib.suppress(OSError):
            upstream.close()
