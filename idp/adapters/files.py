"""File storage for uploads (port ``FileStore``): local files outside the web root.

Names are generated here (``secrets.token_hex``) and checked on the way back in, so no user
input ever becomes a path. Files are written with 0600 permissions through a temporary name
and renamed, so a half-written file is never visible under its final name.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from ..config import Settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
_NAME = re.compile(r"[0-9a-f]{32}\.bin")


class LocalFileStore:
    def __init__(self, directory: str | os.PathLike):
        path = Path(directory)
        self.directory = path if path.is_absolute() else PROJECT_DIR / path

    def _path(self, name: str) -> Path:
        if not _NAME.fullmatch(name or ""):
            raise ValueError("not a stored file name")
        return self.directory / name

    def save(self, data: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{secrets.token_hex(16)}.bin"
        tmp = self.directory / f".{name}.part"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, self._path(name))
        return name

    def read(self, name: str) -> bytes:
        return self._path(name).read_bytes()

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)


def make_file_store(settings: Settings) -> LocalFileStore:
    backend = settings.files.backend
    if backend != "local":
        raise ValueError(f"unknown files.backend {backend!r}")
    return LocalFileStore(settings.files.upload_dir)
