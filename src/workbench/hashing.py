"""SHA-256 of files, read in blocks so that a file of any size hashes in flat memory:
the hash of each input file a report records, and the one hash of the methods (the
stage notebooks and the shipped reference data) that tells a batch a report is current.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

BLOCK_BYTES = 1 << 20
# What a listed file that does not exist adds to a hash in its place.
ABSENT = b"<absent>"


class _Digest(Protocol):
    def update(self, data: bytes, /) -> None: ...


def _feed(digest: _Digest, path: Path) -> None:
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK_BYTES), b""):
            digest.update(block)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    _feed(digest, path)
    return digest.hexdigest()


def named_files_sha256(files: Iterable[Path]) -> str:
    """One SHA-256 over ``files`` in the order given, each as its name and then its
    bytes (``<absent>`` for a file that does not exist), in hex: renaming, adding,
    removing or editing any of them changes it."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        if path.exists():
            _feed(digest, path)
        else:
            digest.update(ABSENT)
    return digest.hexdigest()
