"""The message catalogues kept in step with the source: ``python -m workbench.i18n_catalogue``
(or ``make catalogue``).

Extracts every message the workbench writes for a reader with Babel, from the Python
source (calls of ``_`` and ``ngettext``) and from the notebooks' markdown cells (each
paragraph, heading and list item: :func:`workbench.i18n.markdown_messages`), writes
the template ``locale/workbench.pot``, and updates each language's ``workbench.po``:
new messages are added untranslated, messages no longer in the source are dropped,
and every entry is sorted by message id so that two edits merge cleanly.
``--check`` changes nothing and fails when a catalogue is not up to date or has a
message without a translation.
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from workbench import __version__, paths
from workbench.i18n import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES, LOCALE_DIR, catalogue_path
from workbench.i18n import markdown_messages as split_markdown

PROJECT = "cyber-impact-workbench"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"


def notebook_names() -> list[str]:
    """The notebooks whose markdown a reader sees: the report's stages and the dashboard."""
    return [name for _, name in paths.STAGE_NOTEBOOKS] + [paths.DASHBOARD_NOTEBOOK]


def source_messages() -> Iterable[tuple[str | tuple[str, str], str, int, list[str]]]:
    """(message id, file, line, flags) of every message in the Python source."""
    for filename, lineno, message, comments, _context in extract_from_dir(
        paths.PACKAGE_DIR, method_map=[("**.py", "python")], keywords=KEYWORDS,
        comment_tags=("Translators:",), strip_comment_tags=True,
    ):
        yield message, f"src/workbench/{filename}", lineno, comments


def notebook_messages(
    notebooks_dir: Path | None = None,
) -> Iterable[tuple[str, str, int, list[str]]]:
    """(message id, notebook, cell number, comments) of every markdown piece."""
    folder = Path(notebooks_dir or paths.NOTEBOOKS_DIR)
    for name in notebook_names():
        path = folder / name
        if not path.exists():
            continue
        notebook = nbformat.read(path, as_version=4)
        for number, cell in enumerate(notebook.cells):
            if cell.cell_type == "markdown":
                for piece in split_markdown(cell.source):
                    yield piece, f"notebooks/{name}", number, []
            elif cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
                for text in shown_strings(cell.source):
                    yield text, f"notebooks/{name}", number, []


# Calls in a notebook's code whose text argument a reader sees (the page helpers
# translate it where they show it): a stage's header, a table's caption.
_SHOWN_ARGUMENTS = {"country_header": 1}
_SHOWN_KEYWORDS = {"caption"}


def shown_strings(source: str) -> list[str]:
    """The literal texts a notebook cell hands to the page helpers to show."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        position = _SHOWN_ARGUMENTS.get(name)
        arguments = [node.args[position]] if position is not None and len(node.args) > position else []
        arguments += [k.value for k in node.keywords if k.arg in _SHOWN_KEYWORDS]
        found += [a.value for a in arguments
                  if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value]
    return found


def template() -> Catalog:
    """Every message of the source and the notebooks, as a gettext template."""
    pot = Catalog(project=PROJECT, version=__version__, charset="utf-8",
                  fuzzy=False)
    for messages in (source_messages(), notebook_messages()):
        for message, where, line, comments in messages:
            if not message or (isinstance(message, tuple) and not message[0]):
                continue
            pot.add(message, None, [(where, line)], auto_comments=comments)
    return pot


def updated(language: str, pot: Catalog) -> Catalog:
    """The catalogue of ``language`` brought in step with ``pot`` (no fuzzy guesses:
    a changed message starts untranslated; obsolete messages are dropped)."""
    with catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    created = catalogue.creation_date  # kept, so that a run that adds nothing changes nothing
    catalogue.update(pot, no_fuzzy_matching=True, update_header_comment=False)
    catalogue.creation_date = created
    catalogue.obsolete.clear()
    catalogue.fuzzy = False
    return catalogue


def _po_text(catalogue: Catalog, *, locations: bool = False) -> bytes:
    """The catalogue as a .po (or .pot) file, sorted by message id. The languages'
    catalogues leave out where each message comes from: the template says it, and
    without it two edits that add messages merge as a plain union of entries."""
    buffer = io.BytesIO()
    write_po(buffer, catalogue, width=100, sort_output=True, omit_header=False,
             ignore_obsolete=True, include_previous=False, include_lineno=False,
             no_location=not locations)
    return buffer.getvalue()


def untranslated(catalogue: Catalog) -> list[str]:
    """The message ids of ``catalogue`` with no translation (or a fuzzy one)."""
    missing = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id[0] if isinstance(message.id, tuple) else message.id)
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.i18n_catalogue",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; fail when a catalogue is out of date or incomplete")
    args = parser.parse_args(argv)
    pot = template()
    problems = []
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        catalogue = updated(language, pot)
        text = _po_text(catalogue)
        path = catalogue_path(language)
        if args.check:
            if text != path.read_bytes():
                problems.append(f"{path} is not up to date: run python -m workbench.i18n_catalogue")
            problems += [f"{path}: no translation for {m!r}" for m in untranslated(catalogue)]
        else:
            path.write_bytes(text)
            missing = untranslated(catalogue)
            print(f"{path}: {len(catalogue)} messages, {len(missing)} without a translation")
    if not args.check:
        TEMPLATE.write_bytes(_po_text(pot, locations=True))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
