"""The cuttable proxy itself (``tests/faults.py``), against a local echo server: each switch
does to a client what the fault it stands for does."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from faults import Proxy

pytestmark = pytest.mark.chaos


@pytest.fixture
def echo():
    """An echo server on 127.0.0.1; ``received`` holds every byte it was sent."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.05)
    received = bytearray()
    done = threading.Event()

    def serve(conn):
        with conn:
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                received.extend(data)
                try:
                    conn.sendall(data)
                except OSError:
                    return

    def accept():
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1], received
    done.set()
    thread.join(1)
    listener.close()


@pytest.fixture
def proxy(echo):
    with Proxy("127.0.0.1", echo[0]) as p:
        yield p


def connect(proxy, timeout=2.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def roundtrip(sock, data: bytes) -> bytes:
    sock.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = sock.recv(4096)
        if not chunk:
            break
        got += chunk
    return got


def test_passing_forwards_both_ways(proxy):
    with connect(proxy) as sock:
        assert roundtrip(sock, b"hello") == b"hello"
        assert roundtrip(sock, b"x" * 100_000) == b"x" * 100_000


def test_refusing_refuses_new_connections_and_passing_listens_again(proxy):
    proxy.refusing()
    with pytest.raises(ConnectionRefusedError):
        connect(proxy)
    proxy.passing()
    with connect(proxy) as sock:
        assert roundtrip(sock, b"back") == b"back"


def test_refusing_keeps_open_connections(proxy):
    with connect(proxy) as sock:
        assert roundtrip(sock, b"open") == b"open"  # accepted, not waiting in the backlog
        proxy.refusing()
        assert roundtrip(sock, b"still") == b"still"


def test_reset_resets_every_open_connection(proxy):
    with connect(proxy) as one, connect(proxy) as two:
        assert roundtrip(one, b"a") == b"a" and roundtrip(two, b"b") == b"b"
        proxy.reset()
        for sock in (one, two):
            with pytest.raises((ConnectionResetError, BrokenPipeError)):
                sock.sendall(b"x")
                assert sock.recv(10) == b"", "a closed connection reads end of file"
                raise ConnectionResetError
    with connect(proxy) as sock:  # new connections pass
        assert roundtrip(sock, b"new") == b"new"


def test_blackhole_hangs_new_and_open_connections_until_it_heals(proxy):
    with connect(proxy, timeout=0.3) as old:
        assert roundtrip(old, b"1") == b"1"
        proxy.blackhole()
        fresh = connect(proxy, timeout=0.3)  # accepted: a partition, not a refusal
        old.sendall(b"2")
        fresh.sendall(b"3")
        for sock in (old, fresh):
            with pytest.raises(TimeoutError):
                sock.recv(10)
        proxy.passing()
        old.settimeout(2)
        fresh.settimeout(2)
        assert old.recv(10) == b"2" and fresh.recv(10) == b"3"
        fresh.close()


def test_cut_on_a_pattern_before_delivery_never_reaches_the_server(proxy, echo):
    _, received = echo
    with connect(proxy) as sock:
        assert roundtrip(sock, b"BEGIN;") == b"BEGIN;"
        fired = proxy.cut(pattern=b"COMMIT")
        sock.sendall(b"COMMIT;")
        assert fired.wait(2)
        with pytest.raises(ConnectionResetError):
            assert sock.recv(10) == b""
            raise ConnectionResetError
    time.sleep(0.1)
    assert bytes(received) == b"BEGIN;"


def test_cut_on_a_pattern_after_delivery_loses_only_the_answer(proxy, echo):
    _, received = echo
    with connect(proxy) as sock:
        fired = proxy.cut(pattern=b"COMMIT", deliver=True)
        sock.sendall(b"COMMIT;")
        assert fired.wait(2)
        with pytest.raises(ConnectionResetError):
            assert sock.recv(10) == b""
            raise ConnectionResetError
    deadline = time.monotonic() + 2
    while bytes(received) != b"COMMIT;" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bytes(received) == b"COMMIT;"


def test_cut_matches_a_pattern_split_across_writes(proxy, echo):
    with connect(proxy) as sock:
        fired = proxy.cut(pattern=b"COMMIT")
        assert roundtrip(sock, b"xxCOM") == b"xxCOM"
        sock.sendall(b"MIT")
        assert fired.wait(2)


def test_cut_after_a_number_of_bytes_is_one_shot(proxy):
    with connect(proxy) as first:
        fired = proxy.cut(after_bytes=10)
        assert roundtrip(first, b"12345") == b"12345"
        first.sendall(b"67890")
        assert fired.wait(2)
    with connect(proxy) as second:  # the trigger was used up
        assert roundtrip(second, b"z" * 20) == b"z" * 20


def test_cut_down_stream_cuts_the_answer(proxy, echo):
    _, received = echo
    with connect(proxy) as sock:
        fired = proxy.cut(pattern=b"OK", direction="down")
        sock.sendall(b"OK")
        assert fired.wait(2)
        with pytest.raises(ConnectionResetError):
            assert sock.recv(10) == b""
            raise ConnectionResetError
    assert bytes(received) == b"OK"
