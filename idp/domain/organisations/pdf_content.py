"""What an uploaded PDF may not carry: scripts, automatic actions, embedded files (S5, L10).

The office opens these files in a PDF viewer; a file that runs JavaScript, launches a program
or carries another file inside is refused. ``active_content`` looks at every object the file's
cross-reference data names — those in compressed object streams included, parsed and
decompressed by pypdf, whose names are already decoded from ``#xx`` escapes (``/J#61vaScript``
is ``/JavaScript``) — and at the trailer, and reports the first of these names used as a
dictionary key or a name value:

- ``/JS``, ``/JavaScript``: JavaScript actions and the document's JavaScript name tree;
- ``/OpenAction`` holding an action, ``/AA``: actions run when the document, a page or a field
  is opened or used (an ``/OpenAction`` that is only a destination array, ``[3 0 R /Fit]``,
  which many PDF producers write to set the first view, runs nothing and is accepted);
- ``/Launch``: an action starting another program or opening another file;
- ``/EmbeddedFile``, ``/EmbeddedFiles``: files carried inside the PDF (attachments);
- ``/RichMedia``: Flash and other rich-media annotations;
- ``/XFA``: XML forms, whose scripts viewers run.

A byte search for these names would miss every object inside a compressed object stream and
every escaped name, and would find false matches inside images; walking the parsed objects
avoids both. Page content and text strings are not read: they do not run.
"""

from __future__ import annotations

from collections.abc import Iterator

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

ACTIVE = frozenset(
    (
        "/JS",
        "/JavaScript",
        "/OpenAction",
        "/AA",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
    )
)
# pypdf parses about 5,000 objects a second here; a scanned or exported proof document has a
# few hundred to a few thousand, so this bounds the walk to a few seconds of one worker.
MAX_OBJECTS = 20_000


class TooComplex(Exception):
    """More objects than any scanned proof document has: refused rather than walked."""


def _objects(reader: PdfReader) -> Iterator[PdfObject | None]:
    yield reader.trailer
    refs = [(num, gen) for gen, table in reader.xref.items() for num in table]
    refs += [(num, 0) for num in reader.xref_objStm]
    if len(refs) > MAX_OBJECTS:
        raise TooComplex(len(refs))
    for num, gen in refs:
        yield reader.get_object(IndirectObject(num, gen, reader))


def _destination(value: PdfObject) -> bool:
    return isinstance(
        value.get_object() if isinstance(value, IndirectObject) else value, ArrayObject
    )


def active_content(reader: PdfReader) -> str | None:
    """The first forbidden name (see the module docstring) in the file, or None."""
    for top in _objects(reader):
        todo = [top]
        while todo:  # direct objects only: indirect ones are visited from the xref
            obj = todo.pop()
            if isinstance(obj, DictionaryObject):  # streams too (StreamObject is one)
                for key, value in obj.items():
                    if key in ACTIVE and not (key == "/OpenAction" and _destination(value)):
                        return str(key)
                    todo.append(value)
            elif isinstance(obj, ArrayObject):
                todo.extend(obj)
            elif isinstance(obj, NameObject) and obj in ACTIVE:
                return str(obj)
    return None
