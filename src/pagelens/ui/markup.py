"""Text shown in the chat, which renders every message as Markdown: a user's message escaped whole (it shows
as typed), page text in an answer or a step label escaped where Markdown or HTML would change it, and the
way back for a chat an API caller hands in."""

from __future__ import annotations

import re

_INLINE = re.compile(r"([\\`*_\[\]()<>~|$!])")  # Markdown's inline markers, and the start of HTML
_LINE_START = re.compile(r"(?m)^(\s*)([#+\-=]|\d+[.)])")  # headings, list items, setext underlines
# in an answer's text, what Markdown or HTML would change: inline markers, and `_` but inside a word
_MARKUP = re.compile(r"[\\`*\[\]<~]|(?<![^\W_])_|_(?![^\W_])")
_MARKUP_LINE_START = re.compile(r"(?m)^(\s*)([#+\-=>]|\d+[.)])")
_ESCAPED = re.compile(r"\\([\\`*_\[\]()<>~|$!#+\-=.)])")


def literal(text: str) -> str:
    """A user's message as typed: Markdown and HTML markers escaped, so `2*3*4` stays `2*3*4` (the chat
    renders every message as Markdown, and answers need their links)."""
    return _escaped(text, _INLINE, _LINE_START)


def quoted(text: str) -> str:
    """Page text in an answer, or a step label quoting a question: only what Markdown or HTML would change is
    escaped (`<var>`, `2*3*4`, `__init__`, a line that starts with `#`), so the Markdown an API caller reads
    stays close to the page: `ffi_prep_cif` and `(see ...)` are left as they are."""
    return _escaped(text, _MARKUP, _MARKUP_LINE_START)


def _escaped(text: str, inline: re.Pattern, line_start: re.Pattern) -> str:
    text = inline.sub(r"\\\g<0>", text)
    return line_start.sub(lambda m: m.group(1) + re.sub(r"([#+\-=>.)])", r"\\\1", m.group(2)), text)


def unliteral(text: str) -> str:
    """The text `literal` or `quoted` escaped."""
    return _ESCAPED.sub(r"\1", text)
