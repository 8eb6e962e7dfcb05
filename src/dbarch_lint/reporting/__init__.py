"""Reporters turn a `LintResult` into bytes. Each format is a plugin (see `builtin`)."""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

import msgspec

from dbarch_lint.model.findings import LintResult


class ReporterOptions(msgspec.Struct, frozen=True):
    """Presentation switches that come from the command line."""

    color: bool = False
    show_source: bool = False
    quiet: bool = False


class Reporter:
    """Base of all reporters: pure, deterministic, no timestamps, relative paths only."""

    name: ClassVar[str]

    def render(self, result: LintResult, options: ReporterOptions) -> str:
        """Return the whole report text (ending in a newline when not empty)."""
        raise NotImplementedError


# What a terminal or a viewer obeys instead of showing: C0 controls (not the tab, which only
# moves to the next tab stop), DEL and C1 controls, the line and paragraph separators where
# Python's splitlines and JavaScript break lines, and the bidi controls that reorder what is
# shown ("Trojan Source").
_C0 = (range(0x00, 0x09), range(0x0A, 0x20))
_DEL_C1 = range(0x7F, 0xA0)
_UNICODE = (range(0x2028, 0x202F), range(0x2066, 0x206A))
# No UTF-8 output can carry a lone surrogate. os.fsdecode turns each byte 0xNN of a file name
# that is not UTF-8 into U+DCNN: it is shown as the byte it was. (Others come only from odd
# encodings: utf-7 decodes "+2D8-" to U+D83F.) The two tables (thousands of entries) are made on
# first use: a run that prints nothing to a terminal and no odd file name needs neither.


@cache
def _unencodable() -> dict[int, str]:
    return {
        **{code: f"\\u{code:04x}" for code in range(0xD800, 0xE000)},
        **{code: f"\\x{code - 0xDC00:02x}" for code in range(0xDC80, 0xDD00)},
    }


@cache
def _invisible() -> dict[int, str]:
    return {
        **{code: f"\\x{code:02x}" for codes in (*_C0, _DEL_C1) for code in codes},
        **{code: f"\\u{code:04x}" for codes in _UNICODE for code in codes},
        **_unencodable(),
    }


# JSON escapes C0 controls itself; the others can only occur inside its strings, where a \u
# escape stands for the same character: the document means the same, and shows safely.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for codes in (_DEL_C1, *_UNICODE) for code in codes}


@cache
def _invisible_ascii() -> dict[int, str]:
    return {code: f"\\x{code:02x}" for codes in (*_C0, _DEL_C1) for code in codes if code < 0x80}


def visible(text: str) -> str:
    """`text` safe to show on a terminal: controls, line separators, bidi controls and the
    undecodable bytes of a file name written as `\\x1b`, `\\u2028`, `\\xff` (tabs stay). What
    `text`, `gcc` and `github` print of the input (paths, messages quoting identifiers, hints,
    source lines)."""
    # (ASCII text, most of it, needs only the small table: the whole one has thousands of
    # entries to make)
    return text.translate(_invisible_ascii() if text.isascii() else _invisible())


def portable(text: str) -> str:
    """`text` with the undecodable bytes of a file name (and other lone surrogates) written as
    `visible` shows them, `\\xff`: what a UTF-8 file, a JSON report or a baseline, can carry."""
    return text.translate(_unencodable())


def to_json(document: Any) -> str:
    """Indented JSON (2 spaces, UTF-8 kept), ending in a newline: what every JSON format prints.
    `document` may hold structs (encoded as their fields)."""
    try:
        encoded = msgspec.json.encode(document)
    except UnicodeEncodeError:  # a lone surrogate somewhere: a file name that is not UTF-8
        encoded = msgspec.json.encode(_portable_strings(msgspec.to_builtins(document)))
    text = msgspec.json.format(encoded, indent=2).decode()
    # (every character escaped is outside ASCII: most reports need no pass over their text)
    return (text if text.isascii() else text.translate(_JSON_ESCAPES)) + "\n"


def _portable_strings(value: Any) -> Any:
    if isinstance(value, str):
        return portable(value)
    if isinstance(value, dict):
        return {portable(key): _portable_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_portable_strings(item) for item in value]
    return value
