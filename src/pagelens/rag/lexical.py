"""Terms, sentences and corpus statistics: the lexical toolkit of the rewriter and the answerer.

Terms come from the text lane's analyser (`analysis.analyze`), so the answerer weighs exactly the
words retrieval matched on: code-ish tokens kept whole, Snowball stems, question words dropped from
questions.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import PurePath

from ..analysis import CorpusStats, analyze, name_terms
from ..index.lane import TermStatistics
from ..language import DEFAULT, detect
from ..types import Corpus
from .params import PARAMS

# Beyond the analyser's question words: words that point at the library itself, not at a topic, and
# contractions and abbreviations (the analyser leaves "don" of "don't", "i.e" of "i.e."; not "won't":
# "won" is a word). Matched as written, not stemmed: "presentation" stems to "present", and "the present
# value" is a topic.
_META_WORDS = re.compile(
    r"(?<![\w.])(?:according|pages?|documents?|manuals?|guides?|says?|please|slides?"
    r"|presentations?|talks?|authors?|(?:do|does|did|is|are|was|were)n['’]t|i\.e|e\.g)"
    r"(?![\w]|\.\w)",
    re.IGNORECASE,
)
# "What does X mean (in ...)?": the verb asks for a definition; the topic is X ("mean" as in an average
# stays a term anywhere else: "what does the mean function return?").
_MEANING = re.compile(
    r"^(\s*what\s+(?:does|do|did)\s.*?)\bmean\b"
    r"(?=\W*$|\s+(?:in|on|for|at|within|here|there)\b)",
    re.IGNORECASE | re.DOTALL,
)


def terms(text: str) -> list[str]:
    """Stemmed content terms of page text, in order. Remembered for the `TERMS_CACHED` texts read last:
    the units of a page are read again for every question (and part, and turn) that reaches the page."""
    return list(_analysed(text))


TERMS_CACHED = 16384  # texts (units, sentences, words: about 40 MB at most)


@lru_cache(maxsize=TERMS_CACHED)
def _analysed(text: str) -> tuple[str, ...]:
    return tuple(analyze(text))


def name_words(document: str) -> frozenset[str]:
    """The terms of a document's file name without its suffix: what a question names it by ("gnuplot" and
    "manual" for gnuplot-manual.pdf, "journald" and "conf" for journald.conf.pdf)."""
    return frozenset(terms(re.sub(r"[\W_]+", " ", PurePath(document).stem)))


def named(own: Iterable[str], documents: Iterable[str], whole: bool = False) -> set[str]:
    """The documents whose name a question's own terms name ("gzip" for gzip.pdf, "mount" for mount.pdf):
    a word of the file name without its suffix (`name_words`) that is one of those terms; with `whole`,
    every word of it ("GNU time" names gnu-time.html, "time" alone does not)."""
    own = set(own)
    return {
        doc
        for doc in documents
        if (words := name_words(doc)) and (words <= own if whole else not own.isdisjoint(words))
    }


def stem_words(question: str) -> dict[str, str]:
    """Each stem of a question -> the first word of the question that it stems from, as written (every stem
    of a word that analyses into several: "node.j", "node" and "js" of "Node.js")."""
    found: dict[str, str] = {}
    for word in question.replace("?", " ").split():
        for term in terms(word):
            found.setdefault(term, word.strip(",.;:()\"'"))
    return found


def words_for(stems: list[str], question: str | dict[str, str]) -> list[str]:
    """The question's own words for these stems (so a search or a message shows real words), in the
    stems' order; the stems themselves when no word matches. `question`: its text, or its `stem_words`."""
    found = stem_words(question) if isinstance(question, str) else question
    return list(dict.fromkeys(found[s] for s in stems if s in found)) or stems


def question_terms(text: str, language: str | None = None) -> list[str]:
    """Stemmed content terms of a question in its language (`language`, else detected on `text`), in order
    (question and meta words dropped)."""
    language = language or detect(text) or DEFAULT
    return analyze(_META_WORDS.sub(" ", _MEANING.sub(r"\1", text)), query=True, language=language)


_JOINERS = frozenset("of the and for a an to in on by with".split())  # skipped inside a spelled-out name
# Short words a run of initials may spell by chance: never taken for an abbreviation.
_COMMON_SHORT = frozenset(
    "and the for are but not you all any can had her was one our out day get has "
    "him his how man new now old see two way who did its let put say she too use "
    "set".split()
)
_LETTERS = re.compile(r"[A-Za-z]+")


def letter_words(text: str) -> list[str]:
    """The runs of ASCII letters in `text`, lowercased: how a name and its abbreviation are compared."""
    return [w.lower() for w in _LETTERS.findall(text)]


def initialisms(question: str, longest: int = PARAMS.initialism_words) -> set[str]:
    """The initials of each run of 3 to `longest` content words the question spells out, joiners skipped
    ("net present value" -> npv, "internal rate of return" -> irr): a page that names the abbreviation
    (`Function: npv`) answers the spelled-out name, though it shares no word with it."""
    words = letter_words(_META_WORDS.sub(" ", question))
    content = [w for w in words if w not in _JOINERS and analyze(w, query=True)]  # no question words
    found = set()
    for size in range(3, longest + 1):
        for start in range(len(content) - size + 1):
            found.add("".join(w[0] for w in content[start : start + size]))
    return found - _COMMON_SHORT


# A word hyphenated at a line end ("compo-", "--no-") and the lowercase word the next line opens with.
_HYPHENATED = re.compile(r"(?:^|(?<=[\s(\[\"'‘`]))(-{0,2}[A-Za-z_][\w.-]*[A-Za-z]-|--)$")
_CONTINUATION = re.compile(r"^[a-z][\w.-]*?(?=[\s,;:)\]\"'’=]|\.(?:\s|$)|$)")
# A dotted name broken after its dot by a line end or a space (OCR reads "read.spss" as "read. spss").
_DOTTED_BREAK = re.compile(r"(?<![\w.-])([A-Za-z_][\w.]*\w\.)[ \n]([a-z][\w.]*\w|[a-z])")


def join_lines(lines: Sequence[str], known: Callable[[str], bool]) -> str:
    """A block's lines as one text, each on its own line, except where a word is broken and the evidence
    says how it reads whole (`known`: whether the page or the library writes a term whole, as the analyser
    keeps it): a dotted name broken after its dot by a line end or a space ("Function read." + "spss can
    read" -> "read.spss" when read.spss is known; never "e.g. the"), a word hyphenated at the line end
    ("compo-" + "nents" -> "components" when that word is known, else "command-line", "--no-restore",
    "--pages-as-" + "heap=yes" -> "--pages-as-heap=yes", a long option broken after its dashes: "an --" +
    "alloc-fn option" -> "an --alloc-fn option": the hyphen stays, the break goes). What follows the break
    must open with a lowercase letter: a sentence that ends on a name ("... uses read.table.") is followed
    by a capital."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        end, opening = _HYPHENATED.search(out), _CONTINUATION.match(line)
        if end and opening:
            stem = end.group(1)[:-1].lstrip("-_")
            out = out[:-1] + line if stem and known(stem + opening.group(0)) else out + line
        else:
            out = f"{out}\n{line}" if out else line
    return _DOTTED_BREAK.sub(lambda m: m[1] + m[2] if known(m[1] + m[2]) else m[0], out)


def written_whole(
    texts: Sequence[str], frequency: Callable[[str], int] | None = None
) -> Callable[[str], bool]:
    """Whether a word is written whole: among the words of `texts` (a page's), or a term of the library
    (`frequency`: pages holding an analysed term) that the analyser keeps whole ("read.spss") or reads as
    one word ("components")."""
    words: set[str] = set()

    def known(word: str) -> bool:
        if not words:
            words.update(w.strip(".,;:()[]\"'‘’“”").lower() for text in texts for w in text.split())
        if word.lower() in words:
            return True
        found = analyze(word) if frequency is not None else []
        return bool(found) and (len(found) == 1 or found[0] == word.lower()) and frequency(found[0]) > 0

    return known


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"'(\[]?[A-Z0-9])")


def sentences(text: str, max_chars: int = PARAMS.sentence_chars) -> list[str]:
    """Sentences of a page or region text. Hard-wrapped lines of a paragraph are joined; blank lines,
    bullets and sentence ends split; over-long pieces (tables, code) are cut into line groups."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[•\-*–]|\d+[.)])\s)", text):
        flat = " ".join(block.split())
        if not flat:
            continue
        for piece in _SENTENCE_END.split(flat):
            if len(piece) <= max_chars:
                out.append(piece)
                continue
            words, chunk = piece.split(" "), []
            for word in words:
                if chunk and len(" ".join(chunk)) + len(word) > max_chars:
                    out.append(" ".join(chunk))
                    chunk = []
                chunk.append(word)
            if chunk:
                out.append(" ".join(chunk))
    return [s for s in out if any(ch.isalnum() for ch in s)]


_STATS_CACHE: "weakref.WeakKeyDictionary[object, tuple[tuple, CorpusStats]]" = weakref.WeakKeyDictionary()


def library_stats(library: Corpus, indexed: TermStatistics | None = None) -> CorpusStats:
    """Corpus statistics over a library's complete pages (a document being added has none to read yet):
    the page count and document frequencies `indexed` by a lane when given, else counted over the first
    PARAMS.stats_pages pages; cached per library until its documents change."""
    docs = [d for d in library.documents() if d.status == "complete"]
    signature = tuple(sorted((d.doc_id, d.pages) for d in docs))
    cached = _STATS_CACHE.get(library)
    if cached and cached[0] == signature:
        return cached[1]
    if indexed is not None:
        stats = CorpusStats(indexed.pages, indexed.document_frequency, name_terms(d.name for d in docs))
        _STATS_CACHE[library] = (signature, stats)
        return stats
    budget = PARAMS.stats_pages
    texts: list[str] = []
    for doc in docs:
        if budget <= 0:
            break
        pages = library.pages(doc.name)[:budget]
        budget -= len(pages)
        texts.extend(p.text for p in pages)
    stats = CorpusStats.from_texts(texts, [doc.name for doc in docs])
    _STATS_CACHE[library] = (signature, stats)
    return stats
