"""Read VERIS records from files and folders, one record at a time.

``workbench.veris`` maps what this module reads; ``workbench.veris_import`` drives the
two in one streaming pass. A record that cannot be read becomes a placeholder naming
its file and line and the reason, so that the import sets it aside instead of losing it.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from workbench.errors import DataFileError

# Keys the reader adds to each record it returns: where the record came from and,
# for an entry that could not be parsed, why. Prefixed so they cannot collide with
# VERIS fields.
SOURCE_KEY = "_workbench_source"
ERROR_KEY = "_workbench_error"


# --------------------------------------------------------------------------- reading


def read_veris_records(path: str | Path) -> list[dict[str, Any]]:
    """Every record of ``iter_veris_records(path)`` as a list (for small inputs; an
    import streams them instead)."""
    return list(iter_veris_records(path))


def iter_veris_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Read VERIS records from a file or a folder, one at a time.

    Accepted: one JSON object per file, a JSON array of objects, JSON lines (one
    object per line; ``.jsonl`` or any file whose lines each hold an object), or a
    folder searched recursively for ``*.json`` and ``*.jsonl`` files (in name order).
    The format of a file is detected from its content, not its name. JSON lines are
    read line by line, so memory does not grow with the file; a JSON array or a
    pretty-printed file is read whole, one file at a time.

    Each record carries ``SOURCE_KEY`` (file, and line or array position). An entry
    that cannot be used (a line that is not JSON or not UTF-8, an array item that is
    not an object, a broken file inside a folder) comes as a placeholder with
    ``ERROR_KEY`` set, so that the import reports it instead of losing it.

    Raises:
        DataFileError: the path does not exist, a single file cannot be read or
            parsed at all, or a folder holds no JSON files.
    """
    path = Path(path)
    if path.is_dir():
        found = False
        for file in _json_files(path):
            found = True
            label = str(file.relative_to(path))
            try:
                yield from _iter_file(file, label)
            except DataFileError as exc:
                yield {SOURCE_KEY: label, ERROR_KEY: exc.problem}
        if not found:
            raise DataFileError(str(path), "the folder holds no .json or .jsonl files")
        return
    if not path.exists():
        raise DataFileError(str(path), "no such file or folder")
    yield from _iter_file(path, path.name)


def _json_files(folder: Path) -> Iterator[Path]:
    """The .json and .jsonl files under ``folder``, folder by folder in name order."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if Path(name).suffix.lower() in (".json", ".jsonl"):
                yield Path(root) / name


def _iter_file(path: Path, label: str) -> Iterator[dict[str, Any]]:
    """The records of one file: streamed when it is JSON lines, else read whole."""
    try:
        with path.open("rb") as handle:
            first = b""
            for raw in handle:
                if raw.strip():
                    first = raw
                    break
            if not first.strip():
                raise DataFileError(str(path), "the file is empty")
            if _is_object_line(first):
                handle.seek(0)
                yield from _stream_json_lines(handle, label)
                return
    except OSError as exc:
        raise DataFileError(str(path), f"cannot be read ({exc.strerror})") from None
    yield from _read_file(path, label)


def _is_object_line(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw.decode("utf-8-sig")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return False


def _stream_json_lines(handle: BinaryIO, label: str) -> Iterator[dict[str, Any]]:
    """JSON lines, one record per line (``label:line``). A file of a single line is
    one record labelled by the file alone, as a one-object file is."""
    lines = ((number, raw) for number, raw in enumerate(handle, start=1) if not _blank(raw))
    first = next(lines, None)
    if first is None:
        return
    entry = _parse_line(first[1], f"{label}:{first[0]}")
    second = next(lines, None)
    if second is None:
        yield _relabelled(entry, label)
        return
    yield entry
    for number, raw in itertools.chain([second], lines):
        yield _parse_line(raw, f"{label}:{number}")


def _blank(raw: bytes) -> bool:
    return not raw.strip(b" \t\r\n\xef\xbb\xbf")


def _relabelled(entry: dict[str, Any], label: str) -> dict[str, Any]:
    entry[SOURCE_KEY] = label
    return entry


def _parse_line(raw: bytes, where: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {SOURCE_KEY: where, ERROR_KEY: "line is not UTF-8 text"}
    try:
        item = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        why = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        return {SOURCE_KEY: where, ERROR_KEY: f"line is not JSON ({why})"}
    if not isinstance(item, dict):
        return {SOURCE_KEY: where, ERROR_KEY: "line is not a JSON object"}
    return _tagged(item, where)


def _read_file(path: Path, label: str) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(str(path), "the file is not UTF-8 text") from None
    except OSError as exc:
        raise DataFileError(str(path), f"cannot be read ({exc.strerror})") from None
    if not text.strip():
        raise DataFileError(str(path), "the file is empty")
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return _read_json_lines(text, path, label)
    if isinstance(document, dict):
        return [_tagged(document, label)]
    if isinstance(document, list):
        return [
            _tagged(item, f"{label}[{position}]") if isinstance(item, dict)
            else {SOURCE_KEY: f"{label}[{position}]", ERROR_KEY: "array item is not a JSON object"}
            for position, item in enumerate(document)
        ]
    raise DataFileError(str(path), "holds neither a JSON object nor an array of objects")


def _read_json_lines(text: str, path: Path, label: str) -> list[dict[str, Any]]:
    """JSON lines, or objects written one after another.

    When every line is an object, the file is JSON lines. Otherwise, if the whole
    text is a stream of objects (pretty-printed, one after another), that is read.
    Otherwise the lines that are objects are kept and the others reported; a file
    with no object line at all is not VERIS.
    """
    entries: list[dict[str, Any]] = []
    objects = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{label}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            entries.append({SOURCE_KEY: where, ERROR_KEY: f"line is not JSON ({exc.msg})"})
            continue
        if isinstance(item, dict):
            objects += 1
            entries.append(_tagged(item, where))
        else:
            entries.append({SOURCE_KEY: where, ERROR_KEY: "line is not a JSON object"})
    if objects == len(entries):
        return entries
    stream = _object_stream(text)
    if stream:
        return [_tagged(item, f"{label}#{n}") for n, item in enumerate(stream, start=1)]
    if objects:
        return entries
    raise DataFileError(str(path), "is not JSON, a JSON array or JSON lines")


def _object_stream(text: str) -> list[dict[str, Any]]:
    """Objects written one after another; empty unless the whole text is such objects."""
    decoder = json.JSONDecoder()
    items: list[dict[str, Any]] = []
    position, end = 0, len(text)
    while True:
        while position < end and text[position].isspace():
            position += 1
        if position >= end:
            return items
        try:
            item, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            return []
        if not isinstance(item, dict):
            return []
        items.append(item)


def _tagged(record: dict[str, Any], source: str) -> dict[str, Any]:
    return {**record, SOURCE_KEY: source}


