"""The language a page is written in, and its message catalogue.

Every sentence the workbench writes for a reader goes through :func:`_` (or
:func:`ngettext` where the words follow a count). The English text is the message
id; each other language has a gettext catalogue,
``locale/<language>/LC_MESSAGES/workbench.po`` beside this module, read with Babel
when first needed (no compiled ``.mo`` file to build or commit).

The language is held in a context variable rather than passed through every call:
a report, brief or index is built inside ``with use_language("fr"):``, and a
dashboard kernel, which serves one page in one language, sets it once with
:func:`set_language`. Outside any of these the language is English.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal, cast, get_args

from babel.messages.pofile import read_po

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "en"
# The gettext domain: the catalogues' file name.
DOMAIN = "workbench"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: contextvars.ContextVar[Language] = contextvars.ContextVar(
    "workbench_language", default=DEFAULT_LANGUAGE
)


def parse_language(value: str | None) -> Language:
    """A language code as a profile, a command line or an address gives it ('fr',
    'FR', ' en ') checked against the languages the workbench writes; ValueError
    naming the value and the choices otherwise. None means English."""
    if value is None:
        return DEFAULT_LANGUAGE
    code = str(value).strip().lower()
    if code not in LANGUAGES:
        raise ValueError(
            f"language {value!r} is not one the workbench writes; use one of "
            + ", ".join(LANGUAGES)
        )
    return cast(Language, code)


def current_language() -> Language:
    """The language pages are being written in right now."""
    return _current.get()


def set_language(language: str | None) -> None:
    """Write in ``language`` from now on in this context (a dashboard kernel)."""
    _current.set(parse_language(language))


@contextlib.contextmanager
def use_language(language: str | None) -> Iterator[Language]:
    """Write in ``language`` inside the block, then go back to the language before."""
    token = _current.set(parse_language(language))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def catalogue_path(language: Language) -> Path:
    """Where the catalogue of ``language`` lives."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalogue(language: Language) -> dict[str, str | tuple[str, ...]]:
    """The translations of one language, message id to text (a tuple of plural forms,
    keyed by the singular, for a plural entry); empty for English, whose text is the
    message id itself. Untranslated and fuzzy entries are left out, so they fall back
    to English (and the catalogue test names them)."""
    if language == DEFAULT_LANGUAGE:
        return {}
    with catalogue_path(language).open("rb") as handle:
        entries = read_po(handle, locale=language)
    translations: dict[str, str | tuple[str, ...]] = {}
    for message in entries:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            forms = tuple(message.string)
            if all(forms):
                translations[message.id[0]] = forms
        elif message.string:
            translations[message.id] = message.string
    return translations


@functools.cache
def _plural_index(language: Language) -> Callable[[int], int]:
    """Which plural form a count takes, from the catalogue's own Plural-Forms header
    (English: the first form for 1 only)."""
    if language == DEFAULT_LANGUAGE:
        return lambda count: 0 if count == 1 else 1
    with catalogue_path(language).open("rb") as handle:
        expression = read_po(handle, locale=language).plural_expr
    return gettext.c2py(expression)


def _(message: str) -> str:
    """``message`` (English) in the current language."""
    text = catalogue(current_language()).get(message)
    return text if isinstance(text, str) else message


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue without translating it: for English text
    kept in a table or a summary (a reason, a label) and translated by :func:`_` where
    it is shown."""
    return message


def ngettext(singular: str, plural: str, count: int | float) -> str:
    """The form of singular/plural (English) that ``count`` takes in the current
    language (French takes the singular for 0 and 1, English for 1 only)."""
    language = current_language()
    index = _plural_index(language)(int(abs(count)))
    forms = catalogue(language).get(singular)
    if isinstance(forms, tuple):
        return forms[min(index, len(forms) - 1)]
    return singular if index == 0 else plural


def markdown_messages(text: str) -> list[str]:
    """The pieces of a notebook's markdown cell that are translated one by one: each
    paragraph or heading (blocks between blank lines), and each item of a list on its
    own (an item runs from its '- ' to the next), so that one edited sentence of a
    method section leaves the rest of its translation in place."""
    pieces: list[str] = []
    for block in text.strip().split("\n\n"):
        lines = block.strip("\n").split("\n")
        if lines and lines[0].startswith("- "):
            item: list[str] = []
            for line in lines:
                if line.startswith("- ") and item:
                    pieces.append("\n".join(item))
                    item = []
                item.append(line)
            pieces.append("\n".join(item))
        elif block.strip():
            pieces.append(block.strip("\n"))
    return pieces


def translate_markdown(text: str) -> str:
    """A notebook's markdown cell in the current language, piece by piece
    (:func:`markdown_messages`); English returns it unchanged."""
    if current_language() == DEFAULT_LANGUAGE:
        return text
    blocks = []
    for block in text.strip().split("\n\n"):
        pieces = markdown_messages(block)
        blocks.append("\n".join(_(piece) for piece in pieces))
    return "\n\n".join(blocks)
