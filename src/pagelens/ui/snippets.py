"""A search hit's snippet: the passage of the page with the most query terms, the terms marked.

Terms match case-insensitively on word starts (so "seed" marks "seeds"); question words and very short
words are not marked. Output is HTML-escaped text with `<mark>` around matches. A word hyphenated at a line
end reads whole ("dis-" + "connect" -> "disconnect" where the page writes it whole, else "dis-connect"; "an
--" + "alloc-fn" -> "an --alloc-fn": rag.lexical.join_lines), not as two words ("dis- connect").
"""

from __future__ import annotations

import html
import re

from ..rag.lexical import join_lines, written_whole

SNIPPET_WORDS = 36
MIN_TERM_CHARS = 3
_IGNORED = frozenset(
    """a an and are can could did does for from has have how into its not of off
on or that the their then there these this those was what when where which who why will with
would you your""".split()
)
_WORD = re.compile(r"\w[\w.+\-]*\w|\w", re.UNICODE)


def query_terms(query: str) -> list[str]:
    """The query's words worth marking, lower-cased, in order, without repeats."""
    words = (w.lower().strip(".-+") for w in _WORD.findall(query or ""))
    return list(dict.fromkeys(w for w in words if len(w) >= MIN_TERM_CHARS and w not in _IGNORED))


def snippet_html(text: str, query: str, words: int = SNIPPET_WORDS) -> str:
    """The best window of `words` words of `text` for `query`, escaped, with matched terms in <mark>."""
    text = text or ""
    tokens = join_lines(text.splitlines(), written_whole([text])).split()
    if not tokens:
        return ""
    terms = query_terms(query)
    hits = [any(_matches(token, term) for term in terms) for token in tokens]
    best_start, best = 0, -1
    for start in range(0, max(1, len(tokens) - words + 1)):
        count = sum(hits[start : start + words])
        if count > best:
            best_start, best = start, count
    window = tokens[best_start : best_start + words]
    marked = [
        f"<mark>{html.escape(t)}</mark>" if hits[best_start + i] else html.escape(t)
        for i, t in enumerate(window)
    ]
    prefix = "… " if best_start > 0 else ""
    suffix = " …" if best_start + words < len(tokens) else ""
    return prefix + " ".join(marked) + suffix


def snippet_text(text: str, query: str, words: int = SNIPPET_WORDS) -> str:
    """The same window as plain text (for tables and the API)."""
    return html.unescape(re.sub(r"</?mark>", "", snippet_html(text, query, words)))


def _matches(token: str, term: str) -> bool:
    return token.lower().lstrip("(\"'[").startswith(term)
