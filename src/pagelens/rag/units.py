"""Answer units from a page's structure: what an answer quotes, and what each quote sits under.

A page reaches the answerer as layout regions (kind, box, text) whatever its source: PDF text blocks or
layout-model blocks, HTML rendered to the same blocks, OCR lines (one region per line, joined back into
blocks by their geometry), Office documents converted to PDF; a page without regions is read as blank-line
separated blocks of its text. Each region's lines are classed by their shape, never by their words:
- code: a prompt-led line (`> `, `$ `, `(%i1)`), or one dense in code punctuation, or one without letters
  (`}; };`), so debris stays with its code and never opens a prose quote;
- item: a bullet- or number-led line (a list item; the lines after it in its region continue it);
- navigation: a line of link-bar separators (` · `, ` | `, ` » `) or a web page's navigation label
  ("Next:", "Categories:", "[Contents]"): never a candidate;
- prose: anything else.
Blocks (runs of lines of one class within a region, or OCR lines stacked closely) then make the groups an
answer quotes whole:
- a heading (a lone short line with no closing punctuation, or a title region) is the subject of the groups
  below it until the next heading: a reference entry's term ("Function: npv (rate,val)"), a setting's key
  ("Persistent=", headings.term_shaped), a section title; a title that wraps onto a line the layout
  extracts apart is one heading (`_title_runs_on`), but a title at an outer margin under lines in heading
  type ("DESCRIPTION" under a synopsis' last bold line) opens a section of its own (`_outdented`), and one
  set in under a title and reaching past it is an entry under that section ("-a --ascii" under "OPTIONS",
  `_set_in`);
- a definition list's term (a few heading-shaped lines with the text indented under them, one code line
  so over its text (an option's syntax, "--threshold=<m.n> [default: 1.0]"), or short
  heading-shaped lines a region opens with before its definition, or closes with after a sentence's end)
  is the subject of the one group after it, its definition; the groups after that are under the heading
  again, and a lead reads on through the next entries as it reads through paragraphs; a lone letter that
  could be a roman page number ("M", "x") is a term where a sentence is set in under it (`_letter_term`);
- a paragraph; a list with its lead-in (the prose block before it that ends with ":") and all its items;
  a list of six or more bare names with no lead-in is a table of contents or a navigation list (kind
  "contents", `_contents`), which names every section and answers none;
- a code block with the sentence that introduces it (the last sentence of the prose block before it);
- a table (a table region, or a block of aligned columns): each row with the table's header row;
- an entry that opens with a short tag set apart from its text by a wide gap ("1  Some files differ. ...",
  a manual's exit status or signal number in the tag column of a tagged paragraph);
- a caption ("Figure 3: ...", "Table 2. ...", a caption region), which names what the figure above shows.
The lines before a page's first heading sit under the heading the page before ended in (`carried`: a
section goes on over the page break), when that one was set apart by type or numbered.
A paragraph whose first sentence points back ("These commands produce ...") takes the short group before
it, and one right under a short code line (a call or signature: `qqnorm(x)`) takes that line.
Candidates (`Unit`) are the pieces scored against a question: a paragraph's sentences, each list item, a
code block, a table row; each knows its group and subject, so an answer leads with the whole group under its
subject (`Group.text_from`), and the value that keys it, where one does: a table row's first cell, an
entry's tag (`Unit.key`), which a question that states that value asks about ("after period 6", "exits
with 2").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..analysis import letter_count
from ..furniture import BAND, NONE, Furniture, is_page_number
from ..headings import setting_keys, term_shaped
from ..types import Box, Region
from .lexical import join_lines, sentences, written_whole
from .params import PARAMS

_PROMPT = re.compile(r"^\s*(?:>{1,3}|\$|#|%|\+|\(%[io]\d+\))\s")
_CODE_CHARS = re.compile(r"[{}\[\]();=<>$%\\&|^~`]")
# a list item's mark: HTML's disc, circle and square (•, ○, ■: the marks of a nested list's levels), other
# bullets and dashes, a number or a letter
_BULLET_MARK = re.compile(r"^\s*(?:[•◦○▪■□‣∙*–—-]|\d{1,2}[.)]|\(?[a-z]\))\s+")
_BULLET = re.compile(_BULLET_MARK.pattern + r"\S")  # a line that opens with the mark
_NAV_SEPARATOR = re.compile(r"\s[·|»›]\s|\s[·|»›]$")
_NAV_WORDS = "next|previous|prev|up|home|contents|index|categories|category|tags|jump to|skip to"
_NAV_LABEL = re.compile(rf"^\s*(?:{_NAV_WORDS})\s*:|\[(?:contents|index)\]", re.IGNORECASE)
_POINTS_BACK = re.compile(r"(?:This|These|That|Those|Such|They|It)\b")
_CAPTION = re.compile(r"^\s*(?:figure|fig\.|table|listing|plate)\s*\d+[.:]?\s", re.IGNORECASE)
_CALL = re.compile(r"[A-Za-z_][\w.$]*\s*\(")  # a name and its opening parenthesis
_CELLS = re.compile(r" {2,}|\t")  # what sets a table's cells (or an entry's tag) apart
_CELL_GAP = re.compile(rf"\S(?:{_CELLS.pattern})\S")  # such a gap between two cells
_HEADING_KINDS = frozenset({"title", "section-header"})
_SUBJECTS = frozenset({"title", "term"})  # the groups whose text is the subject of the group after them
_ENDS_MID_SENTENCE = re.compile(r"\b[a-z]+,?\s*$")  # a lower-case word last: no sentence ends so
_ENDS = (".", "!", "?", ":")  # a line that ends so ends a sentence or opens what follows
_OPENS = ("{", "(", "[", ":")  # a code line ending so opens a block: what is indented under it is its body
_SECTION_NUMBER = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[A-Z]\.\d+(?:\.\d+)*)\s+\w")


@dataclass(frozen=True)
class Unit:
    """One answer candidate: its text, where it is (box in page pixels), its kind, its position among the
    page's candidates, the group it belongs to and the heading or term it sits under."""

    text: str
    box: Box | None
    kind: str  # text | title | term | list | contents | code | table | caption | figure
    order: int
    group: int = -1  # index into PageUnits.groups
    subject: str = ""
    defined: bool = False  # it sits right under its subject (the first group after the heading or term)
    key: str = ""  # the value that keys its group: a table row's first cell, an entry's tag (`_tag`)
    # it sits right under its subject and set in under it, as a definition list's entry is under its term
    # ("staff" over "Allows users to ..."), where a section's paragraphs keep their heading's margin
    entry: bool = False


@dataclass
class Group:
    """What an answer quotes whole: a paragraph, a list with its lead-in, a code block with its intro, a
    table row with its header, a caption; `pieces` are its candidates' texts in order (with a lead-in
    or intro first when it has one)."""

    kind: str
    pieces: list[str]
    subject: str = ""
    members: list[int] = field(default_factory=list)  # orders of its candidates
    adds: str = ""  # a table row: what it adds to the row before it (without the header, or the overlap)

    @property
    def text(self) -> str:
        return " ".join(self.pieces)

    @property
    def lead(self) -> str:
        """The lead-in or intro it carries before its own candidates ("" for none)."""
        return " ".join(self.pieces[: len(self.pieces) - len(self.members)])

    @property
    def own_text(self) -> str:
        """Its own candidates' text, without the lead-in or intro it carries."""
        return " ".join(self.pieces[len(self.pieces) - len(self.members) :])

    @property
    def opens(self) -> bool:
        """Whether it ends by opening what comes next ("... as follows:")."""
        return self.text.rstrip().endswith(":")

    @property
    def unfinished(self) -> bool:
        """Whether it is prose that stops mid-sentence ("In both cases the LD50 is"): the group after it (a
        displayed formula, the rest of a sentence a code line broke) completes it."""
        return self.kind == "text" and bool(_ENDS_MID_SENTENCE.search(self.text))

    @property
    def cut_short(self) -> bool:
        """Whether its prose (a paragraph, a list's last item) stops mid-sentence or opens what follows: at
        a page's end, the next page's first group goes on with it ("• Otherwise, ... If after" and "the glob
        match, magic ..." over the page break)."""
        return self.kind in ("text", "list") and (self.opens or bool(_ENDS_MID_SENTENCE.search(self.text)))

    def _own_at(self, piece: str) -> tuple[int, int]:
        """Where its own candidates start in `pieces`, and where `piece` stands (its first own one if absent)."""
        own = len(self.pieces) - len(self.members)
        return own, max(own, next((i for i, p in enumerate(self.pieces) if p == piece), own))

    def text_from(self, piece: str) -> str:
        """A list or code block whole (their lead-in or intro says what they are); a paragraph from `piece`
        on (the sentence that matches a question best often restates it, and the answer follows), after
        what it points back to."""
        if self.kind in ("list", "code"):
            return self.text
        _, at = self._own_at(piece)
        return " ".join([self.lead, *self.pieces[at:]]).strip()

    def before(self, piece: str) -> str:
        """Its own sentences before `piece` ("" for a list, a code block, or the first sentence)."""
        if self.kind in ("list", "code"):
            return ""
        own, at = self._own_at(piece)
        return " ".join(self.pieces[own:at])


@dataclass
class PageUnits:
    units: list[Unit]
    groups: list[Group]
    # the last heading set apart by type or numbered (else the carried one): the next page's `carried`
    closing: str = ""

    def group_of(self, unit: Unit) -> Group | None:
        return self.groups[unit.group] if 0 <= unit.group < len(self.groups) else None

    def section_after(self, index: int) -> tuple[Group, ...]:
        """The groups after group `index` under the same heading (the rest of its section)."""
        out = []
        for group in self.groups[index + 1 :]:
            if group.kind == "title":
                break
            out.append(group)
        return tuple(out)


@dataclass
class _Block:
    role: str  # prose | item | code | table | heading | term | head (a running head) | caption | nav
    lines: list[str]
    boxes: list[Box | None]
    kind: str  # the region's kind

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def box(self) -> Box | None:
        return union_box([b for b in self.boxes if b is not None])


def line_role(line: str) -> str:
    """code | item | nav | prose: what a line is, from its shape (module doc)."""
    flat = line.strip()
    letters = letter_count(flat)
    if (
        _NAV_LABEL.search(flat)
        or len(_NAV_SEPARATOR.findall(f" {flat}")) >= 1
        and letters < 2 * len(flat) // 3
    ):
        return "nav"
    if _NAV_SEPARATOR.search(flat) and all(len(s.strip()) <= 40 for s in re.split(r"[·|»›]", flat)):
        return "nav"
    if is_page_number(flat):
        return "nav"  # a page number, or a slide's bare enumerator
    if _BULLET.match(flat):
        return "item"
    if not letters or _PROMPT.match(line):
        return "code"
    signs = len(_CODE_CHARS.findall(flat))
    if signs >= 3 and signs >= 0.12 * len(flat.replace(" ", "")) and not flat.endswith((".", "?", "!")):
        return "code"
    return "prose"


def page_units(
    regions: Sequence[Region],
    text: str = "",
    furniture: Furniture = NONE,
    frequency: Callable[[str], int] | None = None,
    carried: str = "",
) -> PageUnits:
    """The candidates and groups of a page, in reading order, furniture and navigation left out;
    `frequency` (the library's pages holding an analysed term) tells a name broken at a line end
    (lexical.join_lines) where the page alone does not; `carried` (the previous page's `closing` heading)
    is the subject of the lines before the page's first heading: a section goes on over a page break."""
    kept = [r for r in regions if r.text.strip() and not furniture.region_is_furniture(r.text, r.box)]
    if not kept:
        lines_ok = [ln for ln in text.splitlines() if not furniture.covers(ln)]
        kept = [Region("text", (0, 0, 0, 0), chunk) for chunk in re.split(r"\n\s*\n", "\n".join(lines_ok))]
        kept = [r for r in kept if r.text.strip()]
        boxless = True
    else:
        boxless = False
    blocks = _blocks(kept, boxless)
    if furniture.height:
        for block, below in zip(blocks, [*blocks[1:], None]):
            box = block.box
            if block.role == "heading" and box is not None and box[3] <= BAND * furniture.height:
                if not _indented(block, below):
                    block.role = "head"  # a running head at the top of the page: a title, not a subject
    return _groups(blocks, written_whole([text, *(r.text for r in regions)], frequency), carried)


def _blocks(regions: list[Region], boxless: bool) -> list[_Block]:
    """Regions cut into blocks of one role; one-line regions stacked closely (OCR lines, a table's rows
    extracted one block each) first join into one."""
    merged: list[tuple[str, list[str], list[Box | None]]] = []
    previous: Region | None = None
    for region in regions:
        lines = [ln for ln in region.text.splitlines() if ln.strip()]
        boxes = _line_boxes(None if boxless else region.box, len(lines))
        if merged and previous is not None and not boxless and _continues(previous, region):
            merged[-1][1].extend(lines)
            merged[-1][2].extend(boxes)
        else:
            merged.append((region.kind, lines, boxes))
        previous = region
    blocks: list[_Block] = []
    for kind, lines, boxes in merged:
        if kind == "table" or (_is_table(lines) and not _PROMPT.match(lines[0])):
            blocks.append(_Block("table", [ln.strip() for ln in lines], boxes, kind))
            continue
        for i, line in enumerate(lines):
            role = line_role(line)
            if kind in _HEADING_KINDS and role in ("item", "code"):
                # a numbered title ("2. Installation") heads what follows, it is no list item; a title that
                # names a call ("path.resolve([...paths])", set in heading type) is no code either
                role = "prose"
            last = blocks[-1] if blocks and (i or _wraps(blocks[-1], role, boxes[i])) else None
            if role == "prose" and last is not None and last.role == "code" and _output(line):
                role = "code"  # a command's output stays with it
            if (
                last is not None
                and role != "item"
                and (role == last.role or role == "prose" and last.role == "item")
            ):
                last.lines.append(line.strip())
                last.boxes.append(boxes[i])
                continue
            blocks.append(_Block(role, [line.strip()], [boxes[i]], kind))
    blocks = [part for block in blocks for part in _output_table(block)]
    blocks = [part for block in blocks for part in _tagged_entries(block)]
    blocks = [
        part
        for before, block in zip([None, *blocks], blocks)
        for part in _term_and_definition(
            block, before is not None and _ENDS_MID_SENTENCE.search(before.lines[-1])
        )
    ]
    body = _body_line_height(blocks)
    for i, block in enumerate(blocks):
        below = blocks[i + 1] if i + 1 < len(blocks) else None
        if not boxless and (
            block.role in ("prose", "code")
            and _is_term(block, below)
            or block.role == "nav"
            and _letter_term(block, below)
        ):
            block.role = "term"
        elif (
            block.role == "prose"
            and _is_heading(block)
            and (boxless or _stands_out(block, below, body))
            and not _opens_section(blocks[i - 1] if i else None, block, below)
        ):
            block.role = "heading"
        elif block.role == "prose" and (block.kind == "caption" or _CAPTION.match(block.lines[0])):
            block.role = "caption"
    blocks = [b for b in blocks if b.role != "nav"]
    for i in range(len(blocks) - 1, 0, -1):
        if _title_runs_on(blocks[i - 1], blocks[i], body):
            above = blocks.pop(i - 1)
            blocks[i - 1] = _Block(
                "heading", above.lines + blocks[i - 1].lines, above.boxes + blocks[i - 1].boxes, above.kind
            )
    return blocks


def _output_table(block: _Block) -> list[_Block]:
    """A code block cut around the table a command printed: a run of at least `PARAMS.table_rows` lines
    of aligned columns (cells apart by runs of spaces), none a prompt, is a table read row by row under its
    first line, its header ("n  Balance  Interest" over "6.000  32069.354  1827.980"), as a table region
    is; the code before and after it stay code."""
    if block.role != "code":
        return [block]
    lines, start = block.lines, None
    for i, line in enumerate([*lines, ""]):
        if _CELL_GAP.search(line) and not _PROMPT.match(line):
            start = i if start is None else start
            continue
        if start is not None and i - start >= PARAMS.table_rows:
            cuts = [(0, start, "code"), (start, i, "table"), (i, len(lines), "code")]
            parts = [_Block(role, lines[a:b], block.boxes[a:b], block.kind) for a, b, role in cuts if b > a]
            return parts[:-1] + _output_table(parts[-1]) if parts[-1].role == "code" else parts
        start = None
    return [block]


def _tagged_entries(block: _Block) -> list[_Block]:
    """A prose block that opens with a tagged line (`_tag`: "0  Success.") cut into its entries, one at each
    tagged line, the lines without a tag continuing the entry above (its text wrapped under the tag): a
    manual's exit statuses extracted as one region are entries keyed 0, 1, 2, not one paragraph."""
    if block.role != "prose" or not _tag(block.lines[:1]):
        return [block]
    starts = [i for i, line in enumerate(block.lines) if _tag([line])]
    return [
        _Block("prose", block.lines[a:b], block.boxes[a:b], block.kind)
        for a, b in zip(starts, [*starts[1:], len(block.lines)])
    ]


def _title_runs_on(above: _Block, heading: _Block, body: float) -> bool:
    """Whether a heading in type taller than the body's ends a title that wraps over lines the layout
    extracted apart ("On the Complexity of SNP Block Partitioning Under the Perfect Phylogeny" / "Model"):
    the block right above it is a line or two in type as tall, that does not end a sentence. Two title
    regions (set apart by their type at ingest) need no taller type than the body's to be one."""
    if heading.role != "heading" or above.role not in ("prose", "heading") or len(above.lines) > 2:
        return False
    if above.box is None or heading.box is None:
        return False
    titles = above.kind in _HEADING_KINDS and heading.kind in _HEADING_KINDS
    height, over = _line_height(heading), _line_height(above)
    return (
        (titles or bool(body) and height >= PARAMS.heading_height * body)
        and not _outdented(above.box, heading.box)
        and not _set_in(above.box, heading.box)
        and PARAMS.same_type <= over / max(height, 1e-6) <= 1 / PARAMS.same_type
        and heading.box[1] - above.box[3] <= height
        and not above.lines[-1].endswith((*_ENDS, ","))
    )


def _term_and_definition(block: _Block, continues: bool = False) -> list[_Block]:
    """A prose block that holds a definition list's term with lines of text, as one region often does: the
    term first and its definition after it ("RHOME" / "Print the path to the R home directory ...";
    "--help" / "-h" / "Print short help ..."), or a sentence and the next entry's term after it ("Print the
    usage and exit." / "-l, --mathlib"; "... the following options:" / "--help"). Up to `PARAMS.term_lines`
    heading-shaped lines, each at most `PARAMS.term_share` as long as the block's longest line (a
    paragraph's lines are as long as each other), after a sentence's end when they close the block, are cut
    off as the term they are; anything else is unchanged. A block that `continues` the sentence of the
    block before it ("A simple variable is just a" / "name" / "and an array variable is ...") opens with
    no term."""
    lines = block.lines
    if block.role != "prose" or len(lines) < 2 or block.kind in _HEADING_KINDS:
        return [block]
    longest = max(len(line) for line in lines)

    def term(line: str, position: int) -> bool:
        return _term_line(line, alias=position > 0) and len(line) <= PARAMS.term_share * longest

    first = 0
    while not continues and first < min(PARAMS.term_lines, len(lines) - 1) and term(lines[first], first):
        first += 1
    if all(map(term_shaped, lines[first:])):
        first = 0  # short lines over short lines: a menu or a list of names, not a term and its text
    last = len(lines)
    while len(lines) - last < PARAMS.term_lines and last - 1 > first and term(lines[last - 1], 1):
        last -= 1
    while last < len(lines) and not (term_shaped(lines[last]) and lines[last - 1].endswith(_ENDS)):
        last += 1  # the closing term starts with a heading-shaped line after a sentence's end
    cuts = [(0, first, "term"), (first, last, "prose"), (last, len(lines), "term")]
    return [_Block(role, lines[a:b], block.boxes[a:b], block.kind) for a, b, role in cuts if b > a]


def _indented_by(above: Box, below: Box) -> bool:
    """Whether a line starts `PARAMS.indent_px` or more right of the line above it."""
    return below[0] - above[0] >= PARAMS.indent_px


def _set_in(above: Box, below: Box) -> bool:
    """Whether a line starts `PARAMS.indent_px` or more right of the line above it and reaches past its
    right end: it stands under it as an entry under its section title ("-a --ascii" under "OPTIONS"), where
    a title that wraps goes on at its left edge, or within it, centred ("Harbour")."""
    return _indented_by(above, below) and below[2] > above[2]


def _outdented(above: Box, below: Box) -> bool:
    """Whether a line starts `PARAMS.indent_px` or more left of the line above it without reaching past its
    right end: it opens something of its own at an outer margin ("DESCRIPTION" under the indented last line
    of a synopsis), where a title that wraps goes on at its left edge, or centred, wider on both sides."""
    return above[0] - below[0] >= PARAMS.indent_px and below[2] <= above[2]


def _is_term(block: _Block, below: _Block | None) -> bool:
    """A few heading-shaped lines with the block below indented under them and reaching past them: a
    definition list's term that has several names ("--save" / "--no-save"; a short one may come first: "-a" /
    "--append"; settings' keys wrapped after a comma), or one short word ("ro"); or one code line with prose so
    indented under it (`_code_term`), an option's syntax over its description ("--threshold=<m.n>
    [default: 1.0]" over "The significance threshold ..."), which read as code would take the description
    above it as its intro and leave the one below it without a subject."""
    lines = block.lines
    if len(lines) == 1 and block.role == "code":
        return _code_term(lines[0]) and below is not None and below.role == "prose" and _defines(block, below)
    if len(lines) == 1 and block.role == "prose" and not term_shaped(lines[0]):
        # a name too short to be shaped like a heading, over its text set in under it: mount's "ro", "rw"
        return _term_line(lines[0], alias=True) and _defines(block, below)
    return (
        block.role == "prose"
        and 1 < len(lines) <= PARAMS.term_lines
        # heading-shaped lines, or settings' keys wrapped after a comma ("SystemMaxUse=, ..." / "RuntimeMaxUse=")
        and (
            all(_term_line(line, alias=True) for line in lines)
            and any(map(term_shaped, lines))
            or setting_keys(" ".join(lines))
        )
        and _defines(block, below)
    )


def _letter_term(block: _Block, below: _Block | None) -> bool:
    """A line that reads as a page number only by taking its letters for a roman numeral ("M", "D", "xi"),
    over a definition set in under it: a definition list's key (GNU time's format letters: "M" over "Maximum
    resident set size ..."), which names what follows; a page number stands alone, and a plot's axis letter
    stands over no sentence (`letter_term_words`)."""
    return (
        len(block.lines) == 1
        and block.lines[0].isalpha()
        and below is not None
        and sum(w.isalpha() for w in below.lines[0].split()) >= PARAMS.letter_term_words
        and _defines(block, below)
    )


def _defines(block: _Block, below: _Block | None) -> bool:
    """Whether the block below is set in under `block` (`_set_in`: indented and reaching past it), as a
    definition under its term is (a centred line does not reach past)."""
    return bool(below and below.box and block.box) and _set_in(block.box, below.box)


def _code_term(line: str) -> bool:
    """A code line that can name what is indented under it: with letters, no prompt (what a command prints
    is indented under it) and not opening a block (`{`, `:`: its body is)."""
    flat = line.strip()
    return any(ch.isalpha() for ch in flat) and not _PROMPT.match(line) and not flat.endswith(_OPENS)


def _term_line(line: str, alias: bool) -> bool:
    """A heading-shaped line, or where `alias` allows a single short word such as an option's other name
    ("-h")."""
    flat = line.strip()
    alias = alias and " " not in flat and flat[-1:].isalnum() and len(flat) <= PARAMS.term_alias_chars
    return term_shaped(flat) or alias


def _wraps(item: _Block, role: str, box: Box | None) -> bool:
    """Whether a prose line that opens a region continues the list item above it (indented under it)."""
    return (
        item.role == "item"
        and role == "prose"
        and box is not None
        and item.box is not None
        and (box[0] > item.box[0])
    )


def _output(line: str) -> bool:
    """An indented line, or one with fewer letters than other characters: what a command printed."""
    flat = line.strip()
    return line[:1].isspace() or 2 * letter_count(flat) < len(flat.replace(" ", ""))


def _line_height(block: _Block) -> float:
    box = block.box
    return (box[3] - box[1]) / max(1, len(block.lines)) if box else 0.0


def _body_line_height(blocks: list[_Block]) -> float:
    """The median line height of the page's body text: its prose and list blocks of several lines, else
    of any length."""
    body = [b for b in blocks if b.role in ("prose", "item") and b.box]
    paragraphs = [b for b in body if len(b.lines) > 1]  # lone lines' boxes vary more (OCR)
    heights = sorted(_line_height(b) for b in paragraphs or body)
    return heights[len(heights) // 2] if heights else 0.0


def _opens_section(above: _Block | None, block: _Block, below: _Block | None) -> bool:
    """Whether a heading-shaped line in body type is the first line of the section whose title, set in
    heading type (a title region), stands right above it, not a heading of its own: an API reference's
    "Added in: v0.9.3" under "path.delimiter" (the list below it is indented by its bullets, not under it
    as a definition is under its term). A numbered line still heads its own section."""
    return (
        above is not None
        and above.role == "heading"
        and above.kind in _HEADING_KINDS
        and block.kind not in _HEADING_KINDS
        and not _SECTION_NUMBER.match(block.lines[0])
        and (below is None or below.role == "item" or not _indented(block, below))
    )


def _stands_out(block: _Block, below: _Block | None, body: float) -> bool:
    """Whether a heading-shaped line is set apart as one: a numbered section ("5.5 The outer product"),
    type taller than the body's, or the block below it indented under it (a reference entry's term) unless
    that block is code (a synopsis' command line wrapping under a hanging indent: "adduser [--quiet]" over
    "[--comment Kommentar] [--conf Datei]"); a title region is set apart by the layout or by its type
    (ingest/layout.py: bold, larger)."""
    if block.kind in _HEADING_KINDS or _SECTION_NUMBER.match(block.lines[0]):
        return True
    if body and _line_height(block) >= PARAMS.heading_height * body:
        return True
    return _indented(block, below) and below.role != "code"  # over code: a command that wraps (synopsis)


def _indented(block: _Block, below: _Block | None) -> bool:
    return bool(below and below.box and block.box) and _indented_by(block.box, below.box)


def _is_heading(block: _Block) -> bool:
    """A title region of a line or two, or a lone heading-shaped line (headings.py) that is not a row of
    cells apart by wide gaps ("Jens Gramm1  Tzvika Hartman2  Till Nierhoff3"; a numbered section's number
    may stand apart from its title)."""
    if block.kind in _HEADING_KINDS and len(block.lines) <= 2:
        return True
    line = block.lines[0]
    cells = _CELL_GAP.search(line) and not _SECTION_NUMBER.match(line)
    return len(block.lines) == 1 and term_shaped(line) and not cells


def _groups(blocks: list[_Block], known: Callable[[str], bool], carried: str = "") -> PageUnits:
    units: list[Unit] = []
    groups: list[Group] = []
    subject = closing = carried
    term = ""  # a definition list's term: the subject of the one group after it (its definition)

    def add(
        kind: str,
        pieces: list[str],
        boxes: list[Box | None],
        lead: list[str] = (),
        adds: str = "",
        key: str = "",
    ) -> None:
        nonlocal term
        under = term or subject
        group = Group(kind=kind, pieces=[*lead, *pieces], subject=under, adds=adds)
        defined = bool(under) and bool(groups) and groups[-1].kind in _SUBJECTS and groups[-1].text == under
        above = units[groups[-1].members[-1]].box if defined and groups[-1].members else None
        entry = bool(above and boxes and boxes[0]) and _indented_by(above, boxes[0])
        for piece, box in zip(pieces, boxes):
            group.members.append(len(units))
            units.append(Unit(piece, box, kind, len(units), len(groups), under, defined, key, entry))
        groups.append(group)
        term = ""

    i = 0
    while i < len(blocks):
        block = blocks[i]
        previous = groups[-1] if groups else None
        if block.role == "heading":
            subject = " ".join(" ".join(block.lines).split())
            add("title", [subject], [block.box])
            groups[-1].subject = ""
            # only a heading set apart by type or numbered heads the next page too: a line that reads as
            # one by its shape alone may be a sentence's last words at the page's foot
            strong = block.kind in _HEADING_KINDS or _SECTION_NUMBER.match(block.lines[0])
            closing = subject if strong else ""
        elif block.role == "term":
            add("term", [" ".join(" ".join(block.lines).split())], [block.box])
            term = groups[-1].text
        elif block.role == "head":
            add("title", [" ".join(block.text.split())], [block.box])
        elif block.role == "item":
            items, boxes = [], []
            while i < len(blocks) and blocks[i].role == "item":
                items.append(" ".join(join_lines(blocks[i].lines, known).split()))
                boxes.append(blocks[i].box)
                i += 1
            lead = [previous.pieces[-1]] if previous and previous.opens and previous.kind == "text" else []
            add("contents" if not lead and _contents(items) else "list", items, boxes, lead)
            continue
        elif block.role == "code":
            chunks = [
                block.lines[j : j + PARAMS.code_lines] for j in range(0, len(block.lines), PARAMS.code_lines)
            ]
            boxes = [
                union_box([b for b in block.boxes[j : j + PARAMS.code_lines] if b])
                for j in range(0, len(block.lines), PARAMS.code_lines)
            ]
            intro = [previous.pieces[-1]] if previous and previous.kind == "text" else []
            add("code", [" ".join(" ".join(c).split()) for c in chunks], boxes, intro)
        elif block.role == "table":
            for row, added, key in _table_rows(block.lines):
                add("table", [row], [block.box], adds=added, key=key)
        elif block.role == "caption":
            add("caption", [" ".join(block.text.split())], [block.box])
        else:
            pieces = sentences(join_lines(block.lines, known))
            boxes = [_piece_box(block, p) for p in pieces]
            lead = []
            if previous is not None and pieces and previous.kind != "title":
                if _POINTS_BACK.match(pieces[0]) and len(previous.text) <= PARAMS.referent_chars:
                    lead = [previous.text]  # what it points back to
                elif previous.kind == "code" and _signature(previous.own_text):
                    lead = [previous.own_text]  # the call or signature it describes
            if block.kind in _HEADING_KINDS:
                add("title", pieces, boxes, lead)
            else:
                add("text", pieces, boxes, lead, key=_tag(block.lines))
        i += 1
    return PageUnits(units, groups, closing)


def _contents(items: list[str]) -> bool:
    """Whether a list is a table of contents or a navigation list: at least `PARAMS.contents_items` items,
    each a bare name of at most `PARAMS.contents_chars` shaped like a heading ("■ path.delimiter", "• Web
    Crypto API"), not a sentence."""
    names = [_BULLET_MARK.sub("", item) for item in items]
    return len(names) >= PARAMS.contents_items and all(
        len(name) <= PARAMS.contents_chars and term_shaped(name) for name in names
    )


def _signature(code: str) -> bool:
    """A short code line that calls or declares a name (`qqnorm(x)`, `pen[] Wheel(int n)`), not debris
    (`}; };`), the end of a block (`} while (ret != Z_OK);`) or the last line of a longer signature
    (`arrowbar arrow=None);`)."""
    return (
        len(code) <= PARAMS.signature_chars
        and not code.lstrip().startswith(("}", ")", "]"))
        and bool(_CALL.search(code))
    )


def _piece_box(block: _Block, piece: str) -> Box | None:
    boxes = [b for line, b in zip(block.lines, block.boxes) if _shares_text(line, piece)]
    return union_box([b for b in boxes if b is not None]) or block.box


def _shares_text(line: str, piece: str) -> bool:
    flat = " ".join(line.split())
    return flat in piece or piece in flat or flat[:40] in piece or piece[:40] in flat


def _line_boxes(box: Box | None, count: int) -> list[Box | None]:
    """A region's box cut into `count` equal line boxes (regions carry one box for all their lines)."""
    if box is None or count <= 0 or box[2] <= box[0]:
        return [None] * max(count, 0)
    height = (box[3] - box[1]) / count
    return [(box[0], box[1] + i * height, box[2], box[1] + (i + 1) * height) for i in range(count)]


def _continues(above: Region, below: Region) -> bool:
    """Whether two one-line regions are lines of one paragraph (OCR) or of a table: stacked closely and
    overlapping."""
    if "\n" in above.text.strip() or "\n" in below.text.strip() or above.kind != below.kind:
        return False
    height = max(1.0, above.box[3] - above.box[1])
    lower = max(1.0, below.box[3] - below.box[1])
    gap = below.box[1] - above.box[3]
    overlap = min(above.box[2], below.box[2]) - max(above.box[0], below.box[0])
    if not (-0.5 * height <= gap <= 0.8 * height and overlap > 0):
        return False
    if above.kind in _HEADING_KINDS and _outdented(above.box, below.box):
        return False  # two title regions at different margins head two sections
    # a heading-shaped line does not run on into a line indented under it (a term's definition) nor into
    # a line of smaller type (a heading above its body)
    # nor does a line that ends a sentence (a definition, a lead-in) into a line at an outer margin (the
    # next entry's term, with the start of its text on its line: "Keep (don't delete) input files ..." /
    # "-l --list For each ..."), nor into a heading-shaped line indented under it (under a label such as
    # "General options:") or much shorter than it
    flat = above.text.strip()
    if _BULLET.match(flat) and above.box[0] - below.box[0] >= PARAMS.indent_px:
        return False  # a list item's next line is set right of its mark; one left of the mark is not its own
    width, below_width = above.box[2] - above.box[0], below.box[2] - below.box[0]
    if flat.endswith(_ENDS) and (
        above.box[0] - below.box[0] >= PARAMS.indent_px
        or term_shaped(below.text)
        and (_indented_by(above.box, below.box) or below_width <= PARAMS.term_share * width)
    ):
        return False
    heading = _is_heading(_Block("prose", [flat], [above.box], above.kind))
    return not heading or (not _indented_by(above.box, below.box) and height < PARAMS.heading_height * lower)


def union_box(boxes: Sequence[Box]) -> Box | None:
    """The box around these boxes (None for none)."""
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _is_table(lines: list[str]) -> bool:
    """A block of aligned columns (cells separated by runs of spaces) or of one short cell per line; not a
    list, whose marks stand apart from its items ("■  path.delimiter")."""
    if len(lines) < 4 or all(_BULLET.match(line) for line in lines):
        return False
    gapped = sum(1 for ln in lines if _CELL_GAP.search(ln.strip()))
    short = sum(1 for ln in lines if len(ln.strip()) <= 24)
    return gapped >= 0.6 * len(lines) or short >= 0.8 * len(lines) and len(lines) >= 8


def _tag(lines: list[str]) -> str:
    """The tag an entry opens with: a first word of up to `PARAMS.tag_chars` set apart from the text after
    it by a wide gap, as a manual's tagged paragraph sets an exit status or a signal number ("1  Some files
    differ."); "" for none."""
    cells = _CELLS.split(lines[0].strip(), maxsplit=1) if lines else []
    return cells[0] if len(cells) == 2 and " " not in cells[0] and len(cells[0]) <= PARAMS.tag_chars else ""


def _table_rows(lines: list[str]) -> list[tuple[str, str, str]]:
    """Rows of a table, each after its header line, with what it adds to the row before it (a
    cell-per-line table is read in overlapping windows of lines: each adds the lines after the overlap) and
    its key: its first cell ("" for a window of lines, whose first line is no row's)."""
    header, rows = " ".join(lines[0].split()), lines[1:]
    if not rows:
        return [(header, header, "")]
    if sum(1 for ln in lines if _CELL_GAP.search(ln)) >= 0.6 * len(lines):
        step, window = 1, 1
    else:
        step, window = max(1, PARAMS.table_window // 2), PARAMS.table_window
    out = []
    for i in range(0, max(1, len(rows) - (step if window > 1 else 0)), step):
        text = " ".join(" ".join(rows[i : i + window]).split())
        added = " ".join(" ".join(rows[i + (window - step if i else 0) : i + window]).split())
        if text:
            out.append((f"{header}: {text}", added, "" if window > 1 else _CELLS.split(rows[i].strip())[0]))
    return out
