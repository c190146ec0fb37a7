"""Small PDFs built byte by byte for the upload tests: a classic cross-reference table, or
(``compressed``) chosen objects inside a Flate-compressed object stream with a cross-reference
stream (PDF 1.5), which pypdf's writer cannot produce. Objects are numbered from 1 in order;
object 1 is the catalog."""

from __future__ import annotations

import zlib

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
CATALOG = b"<< /Type /Catalog /Pages 2 0 R %s>>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] %s>>"


def one_page(
    catalog: bytes = b"", page: bytes = b"", extra: tuple[bytes, ...] = (), compressed: bool = False
) -> bytes:
    """A one-page PDF; ``catalog``/``page`` add entries; ``extra`` are objects 4, 5, …; with
    ``compressed`` every object that may be (all but streams) sits in an object stream."""
    objects = [CATALOG % catalog, PAGES, PAGE % page, *extra]
    inside = [i for i, body in enumerate(objects, 1) if b"stream" not in body] if compressed else []
    return build(objects, inside)


def _obj(num: int, body: bytes) -> bytes:
    return b"%d 0 obj\n" % num + body + b"\nendobj\n"


def build(objects: list[bytes], compressed=()) -> bytes:
    compressed, out, offsets, count = set(compressed), bytearray(HEADER), {}, len(objects)
    for num, body in enumerate(objects, 1):
        if num not in compressed:
            offsets[num] = len(out)
            out += _obj(num, body)
    if not compressed:
        start = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (count + 1)
        out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, count + 1))
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count + 1, start)
        return bytes(out)
    stream_num, xref_num = count + 1, count + 2
    head, bodies, index = b"", b"", {}
    for position, num in enumerate(sorted(compressed)):
        index[num] = position
        head += b"%d %d " % (num, len(bodies))
        bodies += objects[num - 1] + b"\n"
    data = zlib.compress(head + bodies)
    offsets[stream_num] = len(out)
    out += _obj(
        stream_num,
        b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>"
        b"\nstream\n%s\nendstream" % (len(index), len(head), len(data), data),
    )
    offsets[xref_num] = len(out)
    rows = b"\x00" + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")
    for num in range(1, xref_num + 1):
        if num in compressed:
            rows += b"\x02" + stream_num.to_bytes(4, "big") + index[num].to_bytes(2, "big")
        else:
            rows += b"\x01" + offsets[num].to_bytes(4, "big") + b"\x00\x00"
    data = zlib.compress(rows)
    out += _obj(
        xref_num,
        b"<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
        b"/Length %d >>\nstream\n%s\nendstream" % (xref_num + 1, len(data), data),
    )
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_num]
    return bytes(out)
