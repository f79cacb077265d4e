"""The one way files are hashed: each input file, and the methods as one hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

from workbench import hashing, paths, runner
from workbench.input_files import input_sha256


def test_a_file_hashes_to_the_sha256_of_its_bytes_across_blocks(tmp_path: Path) -> None:
    content = bytes(range(256)) * (3 * hashing.BLOCK_BYTES // 256 + 7)  # three blocks and a bit
    path = tmp_path / "survey_responses.csv"
    path.write_bytes(content)
    assert hashing.file_sha256(path) == hashlib.sha256(content).hexdigest()
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert hashing.file_sha256(empty) == hashlib.sha256(b"").hexdigest()


def test_named_files_hash_their_names_and_bytes_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "a.ipynb", tmp_path / "b.csv"
    first.write_bytes(b"one")
    second.write_bytes(b"two")
    missing = tmp_path / "gone.yaml"
    expected = hashlib.sha256(b"a.ipynbone" + b"b.csvtwo" + b"gone.yaml<absent>").hexdigest()
    assert hashing.named_files_sha256([first, second, missing]) == expected
    # Renaming a file, reordering the list or editing a byte each change the hash.
    assert hashing.named_files_sha256([second, first, missing]) != expected
    second.write_bytes(b"twO")
    assert hashing.named_files_sha256([first, second, missing]) != expected


def test_the_method_hash_covers_the_notebooks_and_the_shipped_data() -> None:
    notebooks = [Path(paths.NOTEBOOKS_DIR) / name for _, name in paths.STAGE_NOTEBOOKS]
    shipped = sorted(p for p in paths.SHIPPED_DATA.rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts)
    assert notebooks and shipped
    assert runner.method_sha256() == hashing.named_files_sha256(notebooks + shipped)


def test_input_hashes_are_file_hashes(country_dir: Path) -> None:
    hashes = input_sha256(country_dir)
    assert hashes["profile.yaml"] == hashlib.sha256(
        (country_dir / "profile.yaml").read_bytes()).hexdigest()
    assert set(hashes) == {p.name for p in country_dir.iterdir()}
