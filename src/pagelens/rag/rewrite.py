"""Conversation state and standalone queries, without a language model; and multi-part questions.

State (`state_of`): the history (OpenAI-style messages) is replayed turn by turn, keeping the resolved
standalone query of the last user turn, its focus (its most specific words) and the pages the answer after
it cited (after an abstention, a follow-up keeps the pages cited last on its topic). Each new turn
(`rewrite`) is classified:
- follow-up: "next/previous/same page" (navigates from the last cited page: `moves`); a fragment (an opener before
  no question of its own: "And superscripts?", "And if the first argument is a symbol, as in x and 7?"); a
  word that presupposes what was said ("instead", "as well", "the Rainbow one"); a pronoun or
  demonstrative pointing back ("its", "those", "that"); an opener ("and", "what about") before a turn with
  few words of its own; or a turn whose words the last question and its answer mostly hold. It borrows the
  previous query's words it lacks, except the previous focus when it puts a new thing in its place (`substitutes`: a fragment
  that is a noun phrase, or "instead") naming a word as specific, by idf, as the old focus: "what about the
  PNG format?" after a question about PDF asks about PNG, "and if the first argument is a symbol?" still
  asks about the function of the turn before.
  The pages the last answer cited from the document it led with come along as candidates (`topic_pages`).
- new topic: anything else; it carries nothing over.
Decomposition: "compare A and B" and "A vs B", numbered or lettered parts, several question marks and
"and" before a question word or an auxiliary (", and since when ...", "and under which ...", "and do
they ...") become separate sub-questions, each keeping the shared context clause ("In the guide's
example,"); a closing "and" with the last phrase's preposition again and no verb of its own (", and with 2")
asks the question again of what it names ("What does it mean when tar exits with 1, and with 2?" is asked of
1 and of 2); every later part borrows the first part's key words it lacks, as context ("and since when?"
is about the first part's subject).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..inputs import clean_text
from .answer_kind import asking_words, code_names
from .citations import find_labels
from .lexical import question_terms, terms
from .params import PARAMS

_ANAPHORA = re.compile(
    r"\b(it|its|it's|this|that|these|those|they|them|their|there|same|above|previous|next|former|latter"
    r"|one|ones|here|such|the two|both|either)\b",
    re.IGNORECASE,
)
_FOLLOW_UP_START = re.compile(
    r"^\s*(and|also|what about|how about|and what|and how|and on|and the|what of|same for|then|so|why|"
    r"ok|okay|more on|tell me more|on the|but)\b",
    re.IGNORECASE,
)
_NEXT = re.compile(r"\b(next|following|subsequent)\s+(page|slide)\b|\bpage\s+after\b", re.IGNORECASE)
_PREVIOUS = re.compile(r"\b(previous|preceding|prior)\s+(page|slide)\b|\bpage\s+before\b", re.IGNORECASE)
_SAME = re.compile(r"\b(same|that|this)\s+(page|slide)\b", re.IGNORECASE)
# Pronouns that point back even in a longer turn ("what kind of axis is on its right-hand side?").
_POINTING_BACK = re.compile(
    r"\b(its|it|they|them|their|theirs|these|those|such|the two|both)\b", re.IGNORECASE
)
# Words that point back whatever the length of the turn: a demonstrative before a noun ("that layout",
# "those options"), "there" that is not "is there".
_DEMONSTRATIVE = re.compile(
    r"\b(that|this|these|those|such)\s+(?!is\b|was\b|are\b|were\b|do\b|does\b|did\b|can\b|could\b|will\b|would\b"
    r"|has\b|have\b|had\b|should\b|may\b|might\b|must\b|i\b|you\b|we\b|it\b|the\b|a\b|an\b)[a-z]\w*"
    r"|(?<!is )(?<!are )\bthere\b(?!\s+(is|are|was|were)\b)",
    re.IGNORECASE,
)

# English grammar, not any set's questions: the auxiliaries that open a yes/no question, the words that open a
# question of its own, and the conjunctions and "what about" that tie a turn to the one before.
AUXILIARY = (
    r"is|are|was|were|do|does|did|can|could|should|would|will|shall|may|might|must|has|have|had"
    r"|isn't|aren't|doesn't|don't|didn't|can't|won't|wouldn't|shouldn't"
)
_OPENER = re.compile(
    r"^\s*(?:(?:and|but|or|so|also|then|what about|how about|what of)\b[\s,]*)+", re.IGNORECASE
)
_MAIN_CLAUSE = re.compile(rf"^(?:what|which|how|where|when|why|who|whom|whose|{AUXILIARY})\b", re.IGNORECASE)
_FRONTED = re.compile(
    r"^(?:if|when|whenever|once|after|before|while|since|unless|for|with|in|on|at)\b[^,?]{0,80},\s*",
    re.IGNORECASE,
)
# Words that presuppose something said before, whatever the length of the turn: contrast and addition
# adverbs ("a differently named file instead", not "instead of X"; "what else", "as well" but not "as well
# as X", a closing "too"), an opening "what if" (a change to the case just discussed) and "one" standing for
# a noun named earlier ("the Rainbow one", "which one", not "which one of X", which names its set).
_INSTEAD = r"\binstead\b(?!\s+of\b)"
_PRESUPPOSING = re.compile(
    rf"{_INSTEAD}|\belse\b|\bas well\b(?!\s+as\b)|\btoo\W*$|^\W*(?:(?:and|but|so)\s+)?what if\b"
    r"|\b(?:the|which|this|that)\s+(?:[\w-]+\s+)?ones?\b(?![\w-])(?!\s+of\b)",
    re.IGNORECASE,
)
# A clause has a verb: an auxiliary or a subordinating conjunction says so without a tagger.
_CLAUSE_WORD = re.compile(
    rf"\b(?:{AUXILIARY}|if|when|whenever|once|unless|because|whether|while)\b", re.IGNORECASE
)

Idf = Callable[[str], float]


def _flat_idf(term: str) -> float:
    return 1.0


@dataclass
class PageRef:
    doc: str
    page: int


@dataclass
class ChatState:
    """What a chat remembers between turns."""

    query: str = ""  # the resolved standalone query of the last user turn
    focus: list[str] = field(default_factory=list)  # its most specific words, as written
    cited: list[PageRef] = field(default_factory=list)  # pages the answer to it cited
    answer: str = ""  # the text of the answer to it ("" before an answer comes, or when it cited nothing)


@dataclass
class Rewrite:
    query: str  # the standalone question
    follow_up: bool = False
    own: str = ""  # the turn's own words (navigation and openers stripped)
    carried_terms: list[str] = field(default_factory=list)  # words borrowed from earlier turns
    focus: list[str] = field(default_factory=list)
    anchor_pages: list[PageRef] = field(default_factory=list)  # pages the turn points at directly
    # "next", "previous" or "same": the page the turn points at, from the page the last answer cited first
    # ("" when it points at none); anchor_pages is empty when that page would come before page 1
    moves: str = ""
    cited_pages: list[PageRef] = field(default_factory=list)  # pages the previous answer cited
    replaced: list[str] = field(default_factory=list)  # the earlier focus this turn's own words replace
    # the chat's focus, taken as the subject of a turn that has none of its own or points back at it
    # (`_about_the_focus`)
    subject: list[str] = field(default_factory=list)
    said: str = ""  # the text of the last answer (a follow-up asks for something it did not say)

    @property
    def topic_pages(self) -> list[PageRef]:
        """The pages the previous answer cited from the document it led with: the chat's topic. A quote
        from another document shared the question's words, not its subject ("the first argument" in a
        statistics manual, quoted beside the function's own page)."""
        return [ref for ref in self.cited_pages if ref.doc == self.cited_pages[0].doc]

    @property
    def cited_docs(self) -> list[str]:
        """The document the previous answer led with (`topic_pages`), or none."""
        return [self.cited_pages[0].doc] if self.cited_pages else []


def message_text(message: object) -> str:
    """Text of an OpenAI-style message (content as a string, a list of parts, or a Gradio file dict);
    "" for anything malformed."""
    content = message.get("content", "") if isinstance(message, dict) else getattr(message, "content", "")
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        text = content.get("text", "")
        return text if isinstance(text, str) else ""
    if isinstance(content, (list, tuple)):
        return " ".join(
            message_text({"content": part}) if not isinstance(part, str) else part for part in content
        )
    return ""


def role_of(message: object) -> str:
    role = message.get("role", "") if isinstance(message, dict) else getattr(message, "role", "")
    return role if isinstance(role, str) else ""


def _original_words(text: str, keep: int = 8) -> list[str]:
    """Up to `keep` content words of a question as written (not stemmed), in order, for a query."""
    wanted = set(question_terms(text))
    words: list[str] = []
    for word in re.findall(r"[^\W_]+(?:[._-][^\W_]+)*", text):
        stems = question_terms(word)
        if stems and stems[0] in wanted and word.lower() not in (w.lower() for w in words):
            words.append(word)
        if len(words) >= keep:
            break
    return words


def _stem(word: str) -> str:
    stems = question_terms(word)
    return stems[0] if stems else word.lower()


def focus_of(text: str, idf: Idf) -> list[str]:
    """The most specific words of a question (highest idf), as written."""
    words = _original_words(text, keep=12)
    return sorted(words, key=lambda w: -idf(_stem(w)))[: PARAMS.focus_words]


def is_fragment(question: str) -> bool:
    """A conjunction or "what about" before no question of its own: "And superscripts?", "what about a 2 by 2
    layout instead?", "And if the first argument is a symbol, as in x and 7?" (a fronted "if ...," clause
    is not the main clause). "And what does value() return ...?" asks a question of its own."""
    opener = _OPENER.match(question)
    if not opener:
        return False
    rest = _FRONTED.sub("", question[opener.end() :], count=1)
    return not _MAIN_CLAUSE.match(rest)


def substitutes(question: str) -> bool:
    """Whether the turn puts a new thing in the place of the old one: a fragment that is a noun phrase ("And
    superscripts?", "what about Stata files?", "and one compressed with bzip2?") or a turn with "instead";
    not a fragment that is a clause ("and if the first argument is a symbol?" asks about the same thing)."""
    if re.search(_INSTEAD, question, re.IGNORECASE):
        return True
    opener = _OPENER.match(question)
    return bool(opener) and is_fragment(question) and not _CLAUSE_WORD.search(question[opener.end() :])


def has_own_subject(question: str, focus: Sequence[str], idf: Idf) -> bool:
    """Whether a turn names a thing of its own: a word nearly as specific (by idf, `PARAMS.own_subject`) as
    the chat's focus. "What is the default value?" or "Which argument controls the encoding?" after a
    question about an SPSS reader name nothing as specific as "SPSS": they ask about the thing the chat is
    on; "In gnuplot, which environment variable ...?" names gnuplot."""
    top = max((idf(_stem(w)) for w in focus), default=0.0)
    own = max((idf(t) for t in question_terms(question)), default=0.0)
    return not top or own >= PARAMS.own_subject * top


def is_follow_up(question: str, topic: str = "", idf: Idf = _flat_idf, focus: Sequence[str] = ()) -> bool:
    """Whether `question` continues `topic` (the last question and its answer): navigation, a fragment, a
    word that presupposes what was said, a pronoun (unless the turn opens in a place the last exchange never
    names: `_opens_elsewhere`) or demonstrative pointing back, a short turn with an
    opener, a turn without a subject of its own (`has_own_subject`, given the chat's `focus`), or a turn whose
    words (by idf) the last exchange mostly holds (lexical cohesion: "Can I abbreviate component names when I
    use the $ form?" after an answer on a list's components)."""
    content = question_terms(question)
    if _NEXT.search(question) or _PREVIOUS.search(question) or _SAME.search(question):
        return True
    if is_fragment(question) or _PRESUPPOSING.search(question):
        return True
    # An opener ("and", "also", "what about") marks a follow-up only when the turn has no subject of its
    # own: "and what does value() return for an undefined variable?" is a new question, not about rand().
    if _FOLLOW_UP_START.search(question) and len(content) <= PARAMS.short_turn_terms:
        return True
    said = set(terms(topic))
    if (
        _POINTING_BACK.search(question)
        and len(content) <= PARAMS.long_turn_terms
        and not _opens_elsewhere(question, said)
        or _DEMONSTRATIVE.search(question)
    ):
        return True
    if len(content) <= PARAMS.short_turn_terms and bool(_ANAPHORA.search(question) or len(content) <= 1):
        return True
    if idf is not _flat_idf and not has_own_subject(question, focus, idf):
        return True
    total = sum(idf(t) for t in set(content))
    return bool(total) and sum(idf(t) for t in set(content) & said) / total >= PARAMS.cohesion


def _opens_elsewhere(question: str, said: set[str]) -> bool:
    """Whether a turn opens by naming where to look ("In Python, how do I sort a list by its second
    column?") that the last exchange (`said`, its terms) never names: its pronoun then points inside
    the turn, not back. Not a place that itself points back ("In that case, ..."). On eval/hd the two
    turns after such a switch went right (19 -> 21/29); dev, dev2 (checked), nm and xl unchanged."""
    place = _OPENING_PLACE.match(question)
    if not place or _ANAPHORA.search(place.group(0)):
        return False
    return not set(question_terms(place.group(0))) & said


def state_of(history: Sequence[object] | None, idf: Idf = _flat_idf) -> ChatState:
    """The chat state after replaying `history` (malformed messages are skipped)."""
    state = ChatState()
    for message in history or []:
        role, text = role_of(message), clean_text(message_text(message)).strip()
        if not text:
            continue
        if role == "user":
            turn = resolve(text, state, idf)
            # a follow-up keeps the topic's pages until an answer cites new ones (an abstention cites none)
            state = ChatState(
                query=turn.query,
                focus=turn.focus,
                cited=state.cited if turn.follow_up else [],
            )
        elif role == "assistant" and state.query:
            # each page once, in the order the answer cites it (a lead and a quote often share a page)
            cited = [
                PageRef(doc, page) for doc, page in dict.fromkeys((d, p) for d, p, _ in find_labels(text))
            ]
            # an answer that cites nothing (an abstention) says nothing about the documents: its words (the
            # question's, "page", "key words") are no topic a next turn could continue
            state.answer = text if cited else ""
            state.cited = cited or state.cited
    return state


_STEP = {"next": 1, "previous": -1, "same": 0}


def _moves(question: str) -> str:
    """Which page, from the one cited last, the turn points at: "next", "previous", "same" or ""."""
    for moves, pattern in (("next", _NEXT), ("previous", _PREVIOUS), ("same", _SAME)):
        if pattern.search(question):
            return moves
    return ""


def rewrite(question: str, history: Sequence[object] | None, idf: Idf = _flat_idf) -> Rewrite:
    """The standalone form of `question` given the chat so far (OpenAI-style messages)."""
    return resolve(question, state_of(history, idf), idf)


def resolve(question: str, state: ChatState, idf: Idf = _flat_idf) -> Rewrite:
    question = " ".join(question.split())
    if not state.query or not is_follow_up(question, f"{state.query}\n{state.answer}", idf, state.focus):
        return Rewrite(query=question, own=question, focus=focus_of(question, idf))
    own = set(question_terms(question))
    moves = _moves(question) if state.cited else ""
    last = state.cited[0] if state.cited else None
    anchors = (
        [PageRef(last.doc, last.page + _STEP[moves])]
        if last and moves and last.page + _STEP[moves] >= 1
        else []
    )
    stripped = _NEXT.sub("", _PREVIOUS.sub("", _SAME.sub("", question)))
    stripped = _OPENER.sub("", stripped).strip(" ?,.")
    if not question_terms(stripped):
        stripped = ""
    topic = _original_words(state.query, keep=10)
    topic_stems = {_stem(w) for w in topic}
    new_words = [w for w in _original_words(stripped, keep=12) if _stem(w) not in topic_stems]
    old_focus = [w for w in state.focus if _stem(w) not in own]
    replaced: list[str] = []
    if new_words and old_focus and not moves:
        top_old = max(idf(_stem(w)) for w in old_focus)
        specific = [
            w for w in new_words if idf(_stem(w)) >= PARAMS.as_specific * top_old and idf is not _flat_idf
        ]
        if specific and not _POINTING_BACK.search(question) and substitutes(question):
            # the new thing takes the place of the old one, not of what was asked of it: "and for
            # ServerAliveInterval?" after "What is the default for ServerAliveCountMax?" still asks the default
            replaced = [w for w in old_focus if idf(_stem(w)) >= PARAMS.as_specific * top_old]
    # a turn that asks a question of its own does not carry what the last one asked of its subject ("the
    # default value of --depth", then "And what does increasing it cost?"); a fragment does ("and for X?")
    dropped = {_stem(w) for w in replaced} | (set() if is_fragment(question) else asking_words(state.query))
    carried = [w for w in topic if _stem(w) not in own and _stem(w) not in dropped]
    query = " ".join(filter(None, [stripped, f"({' '.join(carried)})" if carried else ""])) or question
    focus = (
        sorted(new_words, key=lambda w: -idf(_stem(w)))[: PARAMS.focus_words]
        if replaced
        else (state.focus or focus_of(query, idf))
    )
    return Rewrite(
        query=query,
        follow_up=True,
        own=stripped or question,
        carried_terms=carried,
        focus=focus,
        anchor_pages=anchors,
        moves=moves,
        cited_pages=list(state.cited),
        replaced=replaced,
        subject=[w for w in state.focus if _stem(w) not in own]
        if _about_the_focus(question, replaced, state, idf)
        else [],
        said=state.answer,
    )


def _about_the_focus(question: str, replaced: Sequence[str], state: ChatState, idf: Idf) -> bool:
    """Whether the chat's focus is the subject of a follow-up: a turn that names no thing of its own
    (`has_own_subject`), or one whose pronoun points back at it ("Does it read gnuplot files?" after a
    question on a spreadsheet converter: "it" is the converter, gnuplot files what it is asked of); not one
    that puts a new thing in its place (`replaced`). A demonstrative before a noun ("that option's
    default") names its own thing (dev turns -1 when it counted too). With pronouns: dev turns 50/56
    unchanged, eval/xl 4 -> 5/9, eval/nm 6/11, dev2 (checked) 12 -> 13/23."""
    if replaced:
        return False
    return not has_own_subject(question, state.focus, idf) or bool(_POINTING_BACK.search(question))


_NUMBERED = re.compile(r"(?:^|\s)(?:\(?\d{1,2}[.)]|\(?[a-h]\))\s+", re.IGNORECASE)
_COMPARE = re.compile(
    r"^\s*(?:compare|contrast)\s+(?P<a>.+?)\s+(?:and|with|to|vs\.?|versus)\s+(?P<b>.+?)"
    r"(?P<rest>\s+(?:in|on|for|regarding|with respect to)\s+.+)?\s*[?.]?\s*$",
    re.IGNORECASE,
)
# ", and what ...", "and under which ...", "and do they ...": a question word or an auxiliary after "and"
# (a preposition may come first) opens a question of its own.
_PREPOSITION = (
    r"since|until|from|for|in|on|at|by|to|with|under|over|about|after|before|during|through|into|of"
    r"|against|among|between|within|without|via|per"
)
_CLAUSE = re.compile(
    rf",?\s+and\s+(?=(?:(?:{_PREPOSITION})\s+)?"
    rf"(?:what|which|how|where|when|why|who|whom|whose|whether|{AUXILIARY})\b)",
    re.IGNORECASE,
)
# "A vs B", "which is faster, A or B"'s other form "A versus B: which is faster?" (the clause before ',' or
# after ':' is asked of both); A and B are names of up to four words, not a clause ("how does R read 1 vs 2").
_NAME = r"(?:[^\s,:;?]+\s+){0,3}[^\s,:;?]+"
_VERSUS = re.compile(
    rf"^\s*(?:(?P<lead>[^,:;?]+),\s*)?(?P<a>{_NAME})\s+(?:vs\.?|versus)\s+(?P<b>{_NAME})\s*"
    r"(?:[:,;]\s*(?P<rest>[^?]+))?\?*\s*$",
    re.IGNORECASE,
)
# "... exits with 1, and with 2?": the closing phrase repeats the preposition before the last phrase of the
# question and stands in for that phrase (a gapped clause: the question is asked again of what it names).
_GAPPED = re.compile(
    rf"^(?P<head>.+\b(?P<preposition>{_PREPOSITION})\s+)(?P<a>[^,;?]+?),?\s+and\s+(?P=preposition)\s+"
    rf"(?P<b>{_NAME})\s*\?*\s*$",
    re.IGNORECASE,
)
_WH = re.compile(r"\b(what|which|how|where|when|why|who|whether|does|do|is|are|can)\b", re.IGNORECASE)


# Where to look, not what is asked: an opening "In/Within <a part of the library>," clause (not "For an even
# n, ...", a condition), or a closing "in the guide's <topic> example" phrase naming a part of the library
# (example, section, manual, talk...); not "as in the manual's <topic> example", which says what the answer
# is like.
_OPENING_PLACE = re.compile(r"^\s*(?:in|within)\s+[^,?]{3,80},\s*(?=\w)", re.IGNORECASE)
_CLOSING_PLACE = re.compile(
    r"(?<!\bas)(?<!\blike)\s+(?:in|from|of)\s+(?:the|this|that|their|its)\s+[^?,;]{0,60}?"
    r"\b(?:example|examples|section|chapter|manual|guide|documentation|talk|slides?|presentation|paper"
    r"|tutorial|introduction|appendix)\b\W*$",
    re.IGNORECASE,
)


def split_place(question: str) -> tuple[str, str]:
    """(what is asked, where to look) of a question; the place is "" when it names none."""
    for pattern in (_OPENING_PLACE, _CLOSING_PLACE):
        match = pattern.search(question)
        if match and question_terms(question[: match.start()] + question[match.end() :]):
            asked = f"{question[: match.start()]} {question[match.end() :]}".strip()
            return asked, match.group(0).strip(" ,")
    return question, ""


def _context_clause(sentence: str) -> str:
    """The lead-in before the first question word ("In the guide's example,"), shared by all parts; a
    lead-in without a content word ("Since", "In", "Up to") belongs to its question word ("Since which
    version ..."), not to the later parts ("Since in which version was it added?")."""
    match = _WH.search(sentence)
    lead_in = sentence[: match.start()].strip() if match else ""
    return lead_in if question_terms(lead_in) else ""


def decompose(query: str) -> list[str]:
    """Sub-questions of a multi-part question (a single-part question yields itself); a part that borrows
    the first part's key words shows them in brackets: "what range does it return? (runif function)"."""
    return [f"{text} ({' '.join(borrowed)})" if borrowed else text for text, borrowed in parts_of(query)]


def parts_of(query: str) -> list[tuple[str, tuple[str, ...]]]:
    """The parts of a question, each with the first part's key words it borrows: every later part borrows
    those it lacks ("what range does it return?" asks about the first part's function; "How do I reset
    rand?" after "What is gnuplot?" is about gnuplot's rand), as context that says what it is about
    (question.analyse weighs them as a follow-up's carried words); compared, numbered or gapped parts
    borrow nothing (they share their lead already), and a part that writes a code name or quoted literal of
    its own borrows none of the first part's: they are the alternatives asked about ("what does extname
    return for 'index.coffee.md', and what for '.index'?")."""
    text = " ".join(query.split())
    compare = _COMPARE.match(text) or _VERSUS.match(text)
    if compare:
        lead = (compare.groupdict().get("lead") or "").strip()
        rest = (compare.group("rest") or "").strip()
        return [(" ".join(filter(None, [lead, compare.group(side), rest])), ()) for side in ("a", "b")]
    numbered = [p.strip(" ;,") for p in _NUMBERED.split(text)]
    if len(numbered) > 2 and len(numbered) - 1 <= PARAMS.max_parts:
        lead, parts = numbered[0], [p for p in numbered[1:] if p]
        return [(f"{lead} {part}".strip(), ()) for part in parts]
    parts = [p.strip() for p in re.split(r"(?<=\?)\s+", text) if p.strip()]
    if len(parts) == 1:
        context = _context_clause(text)
        clauses = _CLAUSE.split(text)
        gapped = _GAPPED.match(text)
        if len(clauses) > 1:
            parts = [clauses[0]] + [f"{context} {c}".strip() for c in clauses[1:]]
        elif gapped:  # asked again of another thing: it borrows nothing (it shares its words already)
            return [(f"{gapped.group('head')}{gapped.group(side)}?", ()) for side in ("a", "b")]
    parts = [p for p in parts if question_terms(p) or _WH.search(p)]
    if len(parts) < 2 or not question_terms(parts[0]):
        return [(text, ())]
    lead_words = tuple(_original_words(parts[0], keep=6))
    lead_names = set(code_names(parts[0]))

    def borrowed(part: str) -> tuple[str, ...]:
        own, names = set(question_terms(part)), lead_names if code_names(part) else set()
        return tuple(w for w in lead_words if _stem(w) not in own and w not in names)

    return [(parts[0], ())] + [(p, borrowed(p)) for p in parts[1 : PARAMS.max_parts]]
