"""Answer units from a page's structure (rag/units.py), on real PDF pages made with PyMuPDF and read back
with ingest's own region extraction: a list that wraps across lines, a term under its heading, a table row
with its header, code with its intro, navigation and debris; and a two-part question answered from two
pages."""

from __future__ import annotations

import pymupdf

from pagelens.analysis import CorpusStats, joined_words
from pagelens.ingest.html import A4_POINTS
from pagelens.ingest.layout import TEXTPAGE_FLAGS, block_regions
from pagelens.rag.compose import PartEvidence, compose
from pagelens.rag.evidence import EvidencePage
from pagelens.rag.extractive import citation_of, clip, judge_page, lead_of, quote_of
from pagelens.rag.lexical import join_lines
from pagelens.rag.params import PARAMS
from pagelens.rag.question import analyse
from pagelens.rag.rewrite import rewrite
from pagelens.rag.units import PageUnits, line_role, page_units

ZOOM = 2.0


def _pages(tmp_path, pages: list[list[tuple]]) -> list[EvidencePage]:
    """A real PDF with these (x, y, text, font size[, font]) lines per page (Helvetica unless a font is
    given: "hebo" is Helvetica Bold), saved, reopened and read as ingest reads it (text blocks as regions,
    boxes in pixels of a 2x render)."""
    doc = pymupdf.open()
    for lines in pages:
        page = doc.new_page(width=595, height=842)
        for x, y, text, size, *font in lines:
            page.insert_text((x, y), text, fontsize=size, fontname=font[0] if font else "helv")
    path = tmp_path / "generated.pdf"
    doc.save(path)
    with pymupdf.open(path) as reopened:
        return _read(reopened, "generated.pdf")


def _html_pages(markup: str) -> list[EvidencePage]:
    """HTML laid out on A4 pages as ingest lays it out (ingest/html.py), read as ingest reads it."""
    with pymupdf.open(stream=markup.encode(), filetype="html") as doc:
        doc.layout(width=A4_POINTS[0], height=A4_POINTS[1], fontsize=11)
        return _read(doc, "generated.html")


def _read(doc: pymupdf.Document, name: str) -> list[EvidencePage]:
    """Each page of `doc` as the answerer gets it: ingest's regions (boxes in pixels of a 2x render)."""
    out = []
    for number, page in enumerate(doc, start=1):
        textpage = page.get_textpage(flags=TEXTPAGE_FLAGS)
        size = (int(page.rect.width * ZOOM), int(page.rect.height * ZOOM))
        regions = block_regions(textpage, pymupdf.Matrix(ZOOM, ZOOM), size)
        out.append(
            EvidencePage(
                doc=name, page=number, doc_id="g", text=page.get_text(), image_path="", regions=regions
            )
        )
    return out


def _stats(pages: list[EvidencePage]) -> CorpusStats:
    return CorpusStats.from_texts([p.text for p in pages] + ["filler words only", "more filler text"])


def _subjects(units: PageUnits) -> dict[str, str]:
    """Each prose candidate's first 20 characters -> the heading or term it sits under."""
    return {u.text[:20]: u.subject for u in units.units if u.kind == "text"}


def _judge(question: str, page: EvidencePage, stats: CorpusStats):
    asked = analyse(question, rewrite(question, []), stats)
    return judge_page(asked.parts[0].terms, page)


def test_a_list_split_across_lines_leads_with_its_lead_in_and_all_its_items(tmp_path):
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "Cleaning the pump", 16),
                (72, 110, "Before storing the pump for the winter, do the following:", 10),
                (84, 128, "- drain the water from the housing and the hoses,", 10),
                (84, 146, "- unscrew the filter cap and rinse the mesh under warm", 10),
                (96, 160, "running water until it is clear,", 10),
                (84, 178, "- oil the shaft seal with two drops of silicone grease.", 10),
                (72, 220, "The warranty does not cover frost damage.", 10),
            ]
        ],
    )
    units = page_units(page.regions, page.text)
    lists = [g for g in units.groups if g.kind == "list"]
    assert len(lists) == 1 and len(lists[0].members) == 3
    assert lists[0].lead.startswith("Before storing the pump")
    assert "until it is clear" in lists[0].pieces[2]  # the wrapped line stays with its item
    judged = _judge("What should I do before storing the pump for the winter?", page, _stats([page]))
    lead = lead_of(judged.best)
    assert "drain the water" in lead and "silicone grease" in lead  # the last item too
    assert "warranty" not in lead
    # a lead's citation highlights the whole list it quotes, not only the item that matched best
    items = [u.box for u in units.units if u.kind == "list"]
    box = citation_of(judged.best, whole_group=True).region.box
    assert box[1] <= min(b[1] for b in items) and box[3] >= max(b[3] for b in items)
    assert citation_of(judged.best).region.box == judged.best.unit.box


def test_a_lead_s_heading_does_not_shorten_what_it_quotes(tmp_path):
    """A paragraph that fits in `lead_chars` leads whole under its heading, however long the heading: the
    heading is what the text is about, not part of the quote's length."""
    body = (
        "Rinse the mesh under warm running water until no grit is left in it. Shake it out and let it dry "
        "for one hour on a clean towel, away from a heater, so that the fine mesh does not warp. Check the "
        "seal of the cap for cracks while it dries and replace it when it is brittle. Put the mesh back "
        "with its flat side towards the pump, then screw the cap on by hand until it stops, never with a "
        "tool, as the thread of the cap is plastic and breaks easily."
    )
    assert len(body) < PARAMS.lead_chars < len(body) + 60
    heading = "7.2 Cleaning, drying and refitting the filter of the garden pump"
    (page,) = _pages(tmp_path, [[(72, 60, heading, 14, "hebo"), *_paragraph(72, 90, body)]])
    judged = _judge("How long should the rinsed mesh dry?", page, _stats([page]))
    assert lead_of(judged.best) == f"{heading} — {body}"


def test_a_term_under_its_heading_is_the_subject_of_its_definition(tmp_path):
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 80, "Function: npv (rate, values)", 11),
                (100, 100, "Calculates the present value of a series of cash flows.", 10),
                (72, 140, "Function: irr (values, guess)", 11),
                (100, 160, "The rate at which the present value of the flows becomes zero.", 10),
            ]
        ],
    )
    units = page_units(page.regions, page.text)
    body = [u for u in units.units if u.text.startswith("Calculates")]
    assert body and body[0].subject == "Function: npv (rate, values)" and body[0].defined
    judged = _judge("How do I compute the net present value of a series of cash flows?", page, _stats([page]))
    assert lead_of(judged.best).startswith("Function: npv (rate, values) — Calculates")
    assert "irr" not in lead_of(judged.best)
    # the highlight is what the lead shows: the term line with its definition, not the next entry
    term, irr = (
        next(u for u in units.units if u.text.startswith(t)) for t in ("Function: npv", "Function: irr")
    )
    box = citation_of(judged.best, whole_group=True).region.box
    assert box[1] <= term.box[1] and box[3] < irr.box[1]


def test_a_definition_set_in_under_its_term_says_what_the_term_is(tmp_path):
    """A definition set in under its term is about that term: "staff" counts among its own words, so the entry
    of the group asked about leads over another entry's sentence that holds the question's common words
    ("Debian", "group"), and the page does not lack the question's rarest word."""
    page, other = _pages(
        tmp_path,
        [
            [
                (72, 60, "plugdev", 10),
                (100, 76, "Members of this group can access removable devices in limited ways.", 10),
                (72, 100, "staff", 10),
                (100, 116, "Allows users to add local modifications to the system (/usr/local).", 10),
                (100, 130, "Compare with group adm, which is more related to monitoring.", 10),
                (72, 154, "users", 10),
                (100, 170, "While Debian systems give each user their own group, some prefer one group.", 10),
            ],
            [
                (72, 60, "Groups on Debian", 14),
                (72, 90, "Every Debian system has a group for each user and for its services.", 10),
            ],
        ],
    )
    judged = _judge("What is the staff group for on Debian?", page, _stats([page, other]))
    assert lead_of(judged.best).startswith("staff — Allows users"), lead_of(judged.best)
    assert not judged.gaps


def test_the_highlight_of_a_lead_leaves_out_the_heading_far_above_it(tmp_path):
    """A lead names what it sits under; the page view highlights the entry it quotes (from its term,
    "--depth=<number> [default: 30]"), not everything from the section's heading down to it."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "Command-line Options", 16),
                (72, 100, "--heap=<yes|no> [default: yes]", 10),
                (100, 116, "Specifies whether heap profiling should be done at all by the tool.", 10),
                (72, 140, "--stacks=<yes|no> [default: no]", 10),
                (100, 156, "Specifies whether stack profiling should be done. This slows the tool down.", 10),
                (72, 180, "--depth=<number> [default: 30]", 10),
                (100, 196, "Maximum depth of the allocation trees recorded for detailed snapshots.", 10),
            ]
        ],
    )
    judged = _judge("What is the default value of the command-line option --depth?", page, _stats([page]))
    # the entry of the option the question names leads (extractive._keyed), under its term
    assert lead_of(judged.best).startswith("--depth=<number> [default: 30] — Maximum depth"), lead_of(
        judged.best
    )
    units = page_units(page.regions, page.text).units
    depth, stacks = (next(u for u in units if u.text.startswith(t)) for t in ("--depth", "This slows"))
    box = citation_of(judged.best, whole_group=True).region.box
    assert box[1] == depth.box[1] and box[1] > stacks.box[3] and box[3] >= units[-1].box[3]


def test_a_table_row_is_read_with_its_header_row(tmp_path):
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "Pump models", 14),
                (72, 110, "Model      Flow (l/h)      Head (m)      Price", 10),
                (72, 126, "P-100      1200      8      99.00", 10),
                (72, 142, "P-200      2400      11      149.00", 10),
                (72, 158, "P-300      3600      14      199.00", 10),
                (72, 174, "P-400      4800      17      249.00", 10),
            ]
        ],
    )
    units = page_units(page.regions, page.text)
    rows = [u for u in units.units if u.kind == "table"]
    assert rows and all(u.text.startswith("Model Flow (l/h) Head (m) Price:") for u in rows)
    judged = _judge("What head does the P-300 pump reach?", page, _stats([page]))
    assert "P-300 3600 14" in judged.best.text
    lead = lead_of(judged.best)  # the rows after it follow, without the header again
    assert "P-400 4800 17" in lead and lead.count("Model Flow") == 1, lead


def test_navigation_and_debris_never_open_a_quote(tmp_path):
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 80, "Next: Pump models, Previous: Safety, Up: Manual [Contents][Index]", 9),
                (72, 110, "}; };", 10),
                (72, 140, "The pump stops by itself when the tank runs dry.", 10),
                (72, 170, "Categories: Pumps · Safety ·", 9),
            ]
        ],
    )
    assert line_role("Categories: Pumps · Safety ·") == "nav" and line_role("}; };") == "code"
    units = page_units(page.regions, page.text)
    assert not any("Next:" in u.text or "Categories" in u.text for u in units.units)
    judged = _judge("When does the pump stop by itself?", page, _stats([page]))
    assert quote_of(judged.best).startswith("The pump stops")
    assert lead_of(judged.best).startswith("The pump stops")


def test_a_row_keyed_by_a_number_the_question_states_leads(tmp_path):
    """A table row whose first cell is a number the question states ("signal 2") is the row asked about: it
    leads, though the paragraph above the table shares more of the question's words."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "Signals", 14),
                *_paragraph(
                    72,
                    90,
                    "The daemon reacts to the signals sent to its process. Each signal the daemon handles is "
                    "listed below by its number with what the daemon does when it receives that signal; a "
                    "signal the daemon receives that is not listed stops it.",
                ),
                (72, 150, "Number      Name      Action", 10),
                (72, 166, "1      HUP      reloads its configuration files", 10),
                (72, 182, "2      INT      stops at once, without cleaning up", 10),
                (72, 198, "10      USR1      writes its statistics to the log", 10),
                (72, 214, "15      TERM      stops after the current request", 10),
            ]
        ],
    )
    rows = [u for u in page_units(page.regions, page.text).units if u.kind == "table"]
    assert [u.key for u in rows] == ["1", "2", "10", "15"]
    judged = _judge("What does the daemon do when it receives signal 2?", page, _stats([page]))
    assert lead_of(judged.best).startswith("Signals — Number Name Action: 2 INT stops at once"), lead_of(
        judged.best
    )


def test_an_api_reference_heading_with_its_permalink_heads_its_section():
    """An HTML API reference as Node's is set: each heading names a call in code, followed by its permalink
    mark (Node's "#", Sphinx's "¶": a link of its own) and a metadata line in body type ("Added in:
    v0.9.3"). The mark is no part of the heading, so the heading reads as one and heads its section; the
    metadata line is the section's first line, not a heading that takes the section over; a heading that
    names a call is no code."""
    (page,) = _html_pages(
        "<p>A TypeError is thrown if path is not a string.</p>"
        '<h3><code>path.delimiter</code><a class="mark" href="#path_delimiter">#</a></h3>'
        "<div>Added in: v0.9.3</div><ul><li>&lt;string&gt;</li></ul>"
        "<p>Provides the platform-specific path delimiter:</p>"
        "<ul><li><code>;</code> for Windows</li><li><code>:</code> for POSIX</li></ul>"
        '<h3><code>path.resolve([...paths])</code><a class="headerlink" href="#path_resolve">¶</a></h3>'
        "<div>Added in: v0.3.4</div><ul><li>Returns: &lt;string&gt;</li></ul>"
        "<p>The path.resolve() method resolves a sequence of paths into an absolute path.</p>"
    )
    titles = [r.text for r in page.regions if r.kind == "title"]
    assert titles == ["path.delimiter", "path.resolve([...paths])"], page.regions
    units = page_units(page.regions, page.text)
    subjects = {u.text[:20]: u.subject for u in units.units}
    assert subjects["A TypeError is throw"] == "", subjects  # the heading below does not run into it
    # the paragraph at the outer margin under the one-item list is not that item's next line
    assert [
        u.kind
        for u in units.units
        if u.text in ("• <string>", "Provides the platform-specific path delimiter:")
    ] == [
        "list",
        "text",
    ], [u.text for u in units.units]
    assert subjects["Added in: v0.9.3"] == subjects["• ; for Windows"] == "path.delimiter", subjects
    [resolves] = [u for u in units.units if "resolves a sequence" in u.text]
    assert resolves.subject == subjects["Added in: v0.3.4"] == "path.resolve([...paths])", subjects


def test_a_table_of_contents_is_a_list_of_names_that_does_not_answer():
    """An HTML page's nested table of contents (HTML sets its levels' marks as •, ○ and ■, apart from the
    item by two spaces) is a list of names, not a table whose first row heads the rest ("■ Windows vs.
    POSIX: ■ path.delimiter"); naming every section, it is no answer: the text under the heading the
    question names leads, though it does not repeat the name that the contents' item is."""
    names = ["Windows vs. POSIX", "path.basename(path)", "path.delimiter", "path.dirname(path)"]
    (page,) = _html_pages(
        "<ul><li>Table of contents<ul><li>Path<ul>"
        + "".join(f"<li>{name}</li>" for name in [*names, "path.extname(path)", "path.format(object)"])
        + "</ul></li></ul></li></ul>"
        "<h3><code>path.delimiter</code></h3>"
        "<p>The separator of the PATH variable's entries: a semicolon on Windows, a colon on POSIX.</p>"
    )
    units = page_units(page.regions, page.text).units
    contents = [u.text for u in units if u.kind == "contents"]
    assert [item.split(maxsplit=1)[1] for item in contents[2:6]] == names, [(u.kind, u.text) for u in units]
    judged = _judge("What is path.delimiter on Windows?", page, _stats([page]))
    assert judged.best.text.startswith("The separator of the PATH"), judged.best.text


def test_a_term_too_short_to_look_like_a_heading_heads_its_definition(tmp_path):
    """A manual's filesystem options: "ro" and "rw" (two letters, no heading's shape) each over its text set
    in under it are terms, the subjects of their definitions, as the longer "sync" is."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (96, 60, "ro", 10),
                (114, 74, "Mount the filesystem read-only.", 10),
                (96, 96, "rw", 10),
                (114, 110, "Mount the filesystem read-write.", 10),
                (96, 132, "sync", 10),
                (114, 146, "All I/O to the filesystem should be done synchronously.", 10),
            ]
        ],
    )
    subjects = {u.text: u.subject for u in page_units(page.regions, page.text).units if u.kind == "text"}
    assert subjects == {
        "Mount the filesystem read-only.": "ro",
        "Mount the filesystem read-write.": "rw",
        "All I/O to the filesystem should be done synchronously.": "sync",
    }, subjects


def test_a_letter_key_heads_its_definition_under_the_section_it_sits_in(tmp_path):
    """GNU time's format letters: "M" (also a roman numeral, as a page number may be) over its text set in
    under it is a key, not a page number; its definition leads with it ("M — Maximum ...": the letter opens
    the word "Maximum", yet is not written there), and a key with no word of its own is about the section
    it sits in ("memory" is only in the heading). A plot's axis letter over its legend stays no key."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "Time Resources", 14, "hebo"),
                (72, 90, "E", 10),
                (96, 104, "Maximum elapsed real time of the process, in seconds.", 10),
                (72, 140, "Memory Resources", 14, "hebo"),
                (72, 170, "M", 10),
                (96, 184, "Maximum resident set size of the process, in Kilobytes.", 10),
                (72, 206, "D", 10),
                (96, 220, "Average size of the unshared data area, in Kilobytes.", 10),
                (300, 400, "x", 10),
                (320, 414, "sin(2πx) cos(2πx)", 10),
            ]
        ],
    )
    units = page_units(page.regions, page.text).units
    assert [u.text for u in units if u.kind == "term"] == ["E", "M", "D"]
    answer = _answer("Which format letter prints the maximum memory of the process?", [page])
    assert answer.startswith("M — Maximum resident set size"), answer


def test_an_option_whose_term_states_its_default_answers_what_its_default_is(tmp_path):
    """Valgrind's option entries write the default in the term ("--depth=<number> [default: 30]") and
    describe the option under it: asked for the default, the entry answers with no number or default
    missing (the term it sits under is read with it), and none of the page's manual references
    ("see massif-visualizer(1)") counts as the number asked for."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "--stacks=<yes|no> [default: no]", 10),
                (96, 76, "Specifies whether stack profiling should be done.", 10),
                (96, 90, "Stack snapshots read best in massif-visualizer(1), a viewer.", 10),
                (72, 114, "--depth=<number> [default: 30]", 10),
                (96, 130, "Maximum depth of the allocation trees recorded for detailed snapshots.", 10),
                (96, 144, "Increasing it will make Massif run more slowly and use more memory.", 10),
            ]
        ],
    )
    judged = _judge("What is the default value of the --depth option in Massif?", page, _stats([page]))
    assert [g.kind for g in judged.gaps if g.kind in ("number", "default")] == [], judged.gaps
    assert lead_of(judged.best).startswith("--depth=<number> [default: 30] — "), lead_of(judged.best)
    judged = _judge("How many stack snapshots can a viewer read?", page, _stats([page]))
    assert judged.best.unit.text.startswith("Stack snapshots")
    assert "number" in [g.kind for g in judged.gaps], judged.gaps


def test_the_entry_of_the_setting_a_question_names_leads(tmp_path):
    """A settings reference where one entry mentions the next setting ("If, for example, RetryDelay (see
    below) is set to 15 and RetryCount is left at the default ..."): asked for RetryDelay's default, the
    answer leads from RetryDelay's own entry, under its term, not from the sentence in RetryCount's that
    names it beside the word "default"."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "RetryCount", 10, "hebo"),
                *_paragraph(
                    96,
                    76,
                    "Sets the number of retries the client makes before it gives up on a server that does "
                    "not answer. The default value is 3. If, for example, RetryDelay (see below) is set to 15 "
                    "and RetryCount is left at the default, the client gives up after about 45 seconds.",
                ),
                (72, 140, "RetryDelay", 10, "hebo"),
                *_paragraph(
                    96,
                    156,
                    "Sets the seconds the client waits between two retries. The default is 0, which means "
                    "that the client retries at once.",
                ),
            ]
        ],
    )
    subjects = _subjects(page_units(page.regions, page.text))
    assert (
        subjects["The default is 0, wh"] == "RetryDelay" and subjects["The default value is"] == "RetryCount"
    ), subjects
    judged = _judge("What is the default for RetryDelay?", page, _stats([page]))
    quote = quote_of(judged.best)
    assert quote.startswith("RetryDelay — ") and "The default is 0" in quote, quote


def test_each_part_of_a_gapped_question_leads_with_the_entry_tagged_by_its_value(tmp_path):
    """A manual's exit statuses, each tag set apart from its text ("1  Some files differ ..."), extracted as
    one region: each line is an entry keyed by its tag, and "exits with 1, and with 2" asks of each (a
    gapped part, rewrite.parts_of): each part leads with its entry, not with the sentence on exit
    statuses in general that shares most of the question's words."""
    pages = _pages(
        tmp_path,
        [
            [
                (72, 60, "EXIT STATUS", 11, "hebo"),
                *_paragraph(
                    84,
                    80,
                    "The exit status of squash tells whether it did what it was asked to do and, if it did "
                    "not, what kind of error it met.",
                ),
                *[
                    line
                    for y, tag, text in [
                        (120, "0", "Success."),
                        (140, "1", "Some files differ from their copies in the archive."),
                        (160, "2", "A fatal error: nothing was written."),
                    ]
                    for line in [(84, y, tag, 10), (120, y, text, 10)]
                ],
                *_paragraph(
                    84,
                    180,
                    "When a program that squash runs exits with an exit status other than zero, squash exits "
                    "with that status too, which means that the status may be any other number.",
                ),
            ]
        ],
    )
    entries = [u for u in page_units(pages[0].regions, pages[0].text).units if u.key]
    assert [(u.key, u.text) for u in entries] == [
        ("0", "0 Success."),
        ("1", "1 Some files differ from their copies in the archive."),
        ("2", "2 A fatal error: nothing was written."),
    ]
    answer = _answer("What does it mean when squash exits with 1, and with 2?", pages)
    first, second = [line for line in answer.splitlines() if line.startswith("- ")]
    assert first.startswith("- What does it mean when squash exits with 1?: EXIT STATUS — 1 Some"), answer
    assert second.startswith("- What does it mean when squash exits with 2?: EXIT STATUS — 2 A fatal"), answer


def test_a_two_part_question_cites_the_page_of_each_part(tmp_path):
    pages = _pages(
        tmp_path,
        [
            [
                (72, 60, "Run-time files", 16),
                (72, 110, "PID files of daemons are stored under the /run directory.", 10),
            ],
            [
                (72, 60, "Naming", 16),
                (72, 110, "A PID file is named after its program, with the suffix .pid appended.", 10),
            ],
        ],
    )
    stats = _stats(pages)
    text = "Where are PID files stored, and how is a PID file named?"
    question = analyse(text, rewrite(text, []), stats)
    assert len(question.parts) == 2
    evidence = []
    for part in question.parts:
        judged = sorted((judge_page(part.terms, p) for p in pages), key=lambda j: -j.relevance)
        evidence.append(PartEvidence(part, judged))
    composed = compose(evidence, threshold=0.1)
    assert composed.answerable and {c.page for c in composed.citations} == {1, 2}
    assert "/run" in composed.text and ".pid" in composed.text
    uncovered = compose(evidence[:1] + [PartEvidence(evidence[1].part, [])], threshold=0.1)
    assert "Not found in the library: " in uncovered.text and "named" in uncovered.text


def _two_documents(tmp_path, other: str) -> list[EvidencePage]:
    pump = _pages(
        tmp_path,
        [
            [
                (72, 60, "Frost", 16),
                (72, 110, "Drain the pump housing through its lower plug.", 10),
            ]
        ],
    )[0]
    (tmp_path / "generated.pdf").rename(tmp_path / "pump.pdf")
    garden = _pages(tmp_path, [[(72, 110, other, 10)]])[0]
    pump.doc, garden.doc, garden.doc_id = "pump.pdf", "garden.pdf", "h"
    return [pump, garden]


def test_a_supporting_quote_from_another_document_names_what_the_question_is_about(tmp_path):
    question_text = "How do I drain the pump housing before frost in winter?"
    for other, cited in (
        ("In winter, before frost, drain the garden hoses.", False),
        ("In winter, before frost, drain the pump housing of the fountain.", True),
    ):
        pages = _two_documents(tmp_path, other)
        question = analyse(question_text, rewrite(question_text, []), _stats(pages))
        part = question.parts[0]
        judged = [judge_page(part.terms, p) for p in pages]  # the pump page first, as if most relevant
        composed = compose([PartEvidence(part, judged)], threshold=0.01)
        assert composed.answerable and "Drain the pump housing" in composed.text
        assert ("garden.pdf" in {c.doc for c in composed.citations}) is cited, composed.text


def test_a_sentence_a_displayed_formula_breaks_leads_on_to_its_end(tmp_path):
    """A paragraph that stops mid-sentence ("... the threshold age is") goes on into the formula under it,
    however long the paragraph; a quote that opens code ("we can use a simple function:") shows the code."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (
                    72,
                    80,
                    "We fit a logistic model to the survey counts of every village and estimate for",
                    10,
                ),
                (
                    72,
                    94,
                    "each village the threshold age, the age at which half of the inhabitants show the",
                    10,
                ),
                (
                    72,
                    108,
                    "symptom. If y is the number of inhabitants with the symptom at age x and n the",
                    10,
                ),
                (
                    72,
                    122,
                    "number examined, the model has the form of a binomial count whose probability is",
                    10,
                ),
                (
                    72,
                    136,
                    "a logistic function of a straight line in x with intercept b0 and slope b1. With",
                    10,
                ),
                (72, 150, "the coefficients of that line estimated from the counts the threshold age is", 10),
                (160, 180, "AGE50 = -b0 / b1", 10),
                (72, 210, "that is, where the straight line crosses zero. The counts are read first.", 10),
                (72, 250, "To compute the threshold from a fitted model we can use a simple function:", 10),
                (84, 268, "> age50 <- function(b) -b[1]/b[2]", 10),
            ]
        ],
    )
    judged = _judge("How is the threshold age estimated for each village?", page, _stats([page]))
    lead = lead_of(judged.best)
    assert judged.best.text.startswith("We fit a logistic model") and "-b0 / b1" in lead
    colon = next(p for p in judged.passages if p.text.endswith("a simple function:"))
    assert "-b[1]/b[2]" in quote_of(colon)


def test_an_enumeration_a_colon_opens_leads_with_all_its_terms(tmp_path):
    """ "The following palettes are predefined:" and five terms, each a code line with its definition under
    it: the lead is the whole enumeration, not its first three groups."""
    names = ["Grayscale", "Rainbow", "Sunset", "Wheel", "Gradient"]
    lines = [
        (72, 60, "Palettes", 16),
        (72, 100, "The following colour palettes are predefined in palette.asy:", 10),
    ]
    for i, name in enumerate(names):
        lines.append((84, 124 + 36 * i, f"pen[] {name}(int NColors=256);", 10))
        lines.append((108, 140 + 36 * i, f"a {name.lower()} colour palette;", 10))
    lines.append((72, 330, "The function cmyk converts any of these palettes to the CMYK colour space.", 10))
    (page,) = _pages(tmp_path, [lines])
    judged = _judge("Which colour palettes are predefined in palette.asy?", page, _stats([page]))
    lead = lead_of(judged.best)
    assert all(name in lead for name in names), lead


def test_a_passage_that_spells_a_name_the_question_writes_as_code_leads(tmp_path):
    """ "value()" in a question: the passage on the call `value("A")` leads over one that shares more of the
    question's common words ("name", "variable", "defined") but never names the call."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (
                    72,
                    80,
                    "exists(X) returns 1 if a variable with the name X is defined, 0 if it is not defined.",
                    10,
                ),
                (72, 120, "B = value(A) looks the variable up; an undefined one gives NaN.", 10),
            ]
        ],
    )
    judged = _judge(
        "What happens if I pass value() the name of a variable that is not defined?", page, _stats([page])
    )
    assert judged.best.text.startswith("B = value(A)")


def test_a_passage_that_writes_a_literal_the_question_quotes_leads(tmp_path):
    """'.index' quoted in a question is matched as written: its analysed word "index" is in every line of
    the examples, `.index.md` is another literal (a dot that goes on is part of the name)."""
    examples = [
        "extname('index.html') returns '.html' for a page.",
        "extname('.index.md') returns '.md' for a hidden page with an extension.",
        "extname('.index') returns an empty string for a hidden page.",
        "extname('index') returns an empty string for a plain name.",
    ]
    (page,) = _pages(tmp_path, [[(72, 80 + 40 * i, line, 10) for i, line in enumerate(examples)]])
    judged = _judge("What does extname return for '.index', where the dot comes first?", page, _stats([page]))
    assert judged.best.text.startswith("extname('.index')"), judged.best.text


def test_a_paragraph_takes_the_call_above_it_but_not_the_end_of_a_block(tmp_path):
    """A short code line right above a paragraph is what it describes when it calls or declares a name
    (`qqnorm(x)`); the line that closes a loop (`} while (...);`) or ends a longer signature is not."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (84, 80, "> qqnorm(x)", 10),
                (72, 100, "Plots the sample against the expected normal order scores.", 10),
                (84, 160, "} while (ret != Z_STREAM_END);", 10),
                (
                    72,
                    180,
                    "Of course, the stream is closed first and its memory is released to the system.",
                    10,
                ),
                (84, 240, "arrowbar arrow=None);", 10),
                (72, 260, "Draws the horizontal line at the given height across the picture.", 10),
            ]
        ],
    )
    leads = {g.own_text.split()[0]: g.lead for g in page_units(page.regions, page.text).groups}
    assert leads["Plots"] == "> qqnorm(x)"
    assert leads["Of"] == "" and leads["Draws"] == ""


def test_a_paragraph_that_fits_leads_whole_from_its_first_sentence(tmp_path):
    """The sentence that matches best is the paragraph's second; its first says what it is about."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 80, "Function: benefit_cost (rate, input, output)", 11),
                (100, 100, "Calculates the ratio of the discounted benefits to the discounted costs.", 10),
                (
                    100,
                    114,
                    "Notice that the costs and the benefits of every period are discounted at the rate.",
                    10,
                ),
            ]
        ],
    )
    judged = _judge(
        "Are the costs and benefits of every period discounted at the rate?", page, _stats([page])
    )
    assert judged.best.text.startswith("Notice that")
    assert "Calculates the ratio" in lead_of(judged.best)


def test_an_option_broken_at_a_line_end_before_its_value_keeps_its_hyphen_and_loses_the_break():
    lines = ["you can use the --pages-as-", "heap=yes. When this option is enabled"]
    assert (
        join_lines(lines, lambda word: False)
        == "you can use the --pages-as-heap=yes. When this option is enabled"
    )
    # a long option broken after its dashes: the dashes stay with its name, whatever the name is
    broken = ["a function named by an --", "alloc-fn option is ignored"]
    assert join_lines(broken, lambda word: True) == "a function named by an --alloc-fn option is ignored"
    assert join_lines(["as said --", "And then"], lambda word: True) == "as said --\nAnd then"


def test_a_word_the_page_writes_whole_answers_for_the_two_words_of_the_question(tmp_path):
    """ "user name" in the question, "Usernames" on the page (`analysis.joined_words`): that sentence holds
    the question's two words, and leads over one that holds them apart."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 80, "The name of a user's group is set by the user option of the command.", 10),
                (72, 120, "Usernames may only be up to 32 characters long.", 10),
            ]
        ],
    )
    judged = _judge("How long may a user name be?", page, _stats([page]))
    assert judged.best.text.startswith("Usernames may only"), judged.best.text
    assert joined_words("a user name", {"usernam": 1}.get) == {"usernam": ("user", "name")}
    assert joined_words("the user name", {"theus": 1}.get) == {}  # a stop word joins nothing


def test_a_lead_does_not_end_with_the_heading_of_what_it_leaves_out(tmp_path):
    """A heading-shaped line the layout does not set apart ("Constants", in body type) heads the paragraph
    after it: a lead that stops before that paragraph leaves the line out too."""
    long_line = "Every constant is read once at start-up and cannot be assigned to by a script or by the"
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 80, "The rand function returns a pseudo random number between zero and one; its", 10),
                (72, 94, "two seeds are set from the clock unless the script gives them explicitly.", 10),
                (72, 130, "Constants", 10),
                *[(72, 166 + 14 * i, long_line, 10) for i in range(6)],
                (72, 250, "user at the prompt.", 10),
            ]
        ],
    )
    judged = _judge("How does the rand function set its seeds?", page, _stats([page]))
    lead = lead_of(judged.best)
    assert lead.startswith("The rand function") and not lead.rstrip(".").endswith("Constants"), lead


def test_a_clipped_quote_ends_after_a_whole_sentence_or_word():
    text = "The default level is 6. It trades speed for size well. " + "Other levels exist " * 20
    assert clip(text, 80) == "The default level is 6. It trades speed for size well. ..."
    assert clip("word " * 40, 50).endswith("word...")  # no sentence end: a whole word, never half of one
    assert clip("short enough.", 80) == "short enough."


def test_a_name_broken_at_a_line_end_is_quoted_whole_where_the_library_writes_it_whole(tmp_path):
    """ "read.spss" broken after its dot reads whole where the page or the library writes it whole; a word
    hyphenated at the line end reads whole where it is known, a hyphenated name keeps its hyphen; "e.g."
    before the next line's word stays two words."""
    pages = _pages(
        tmp_path,
        [
            [
                (72, 80, "Importing from other systems", 14),
                (72, 110, "Function read.", 10),
                (72, 124, "spss can read files created by the save and export commands of SPSS, e.g.", 10),
                (72, 138, "the portable files; it returns a list with one compo-", 10),
                (72, 152, "nent for each variable, and the --no-", 10),
                (72, 166, "labels option keeps the codes.", 10),
            ],
            [
                (72, 80, "See read.spss for the options; every component has a name.", 10),
            ],
        ],
    )
    stats = _stats(pages)
    text = " ".join(
        g.text for g in page_units(pages[0].regions, pages[0].text, frequency=stats.frequency).groups
    )
    assert "Function read.spss can read files" in text
    assert "e.g. the portable files" in text
    assert "one component for each" in text and "the --no-labels option" in text
    # without the library's words, only the page's own: read.spss is written whole nowhere on the page
    alone = " ".join(g.text for g in page_units(pages[0].regions, pages[0].text).groups)
    assert "read. spss" in alone and "compo-nent" in alone


def test_a_definition_list_keeps_each_term_with_its_own_definition(tmp_path):
    """A definition list as PDFs extract it: a term in one region with its definition ("TOOLHOME"), a term
    with two names ("--save" / "--no-save", "--help" / "-h", "-a" / "--append"), settings' keys wrapped
    after a comma, a term that closes the region of the sentence
    before it (the lead-in's, the last definition's). Each definition sits under its own term."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "Invoking the tool", 14),
                (72, 90, "The tool accepts the following options:", 10),
                (72, 104, "--help", 10),
                (72, 116, "-h", 10),
                (110, 128, "Print a short help message and exit.", 10),
                (72, 142, "--version", 10),
                (110, 156, "Print the version and exit successfully.", 10),
                (72, 175, "TOOLHOME", 10),
                (110, 181, "Print the path to the tool's home directory and exit. The installation puts", 10),
                (110, 193, "everything it needs into this directory, apart from the manual page.", 10),
                (72, 224, "--save", 10),
                (72, 236, "--no-save", 10),
                (110, 252, "Control whether the session is saved at the end, into the home directory.", 10),
                (72, 272, "-a", 10),
                (72, 284, "--append", 10),
                (110, 300, "Append the report to the output file instead of overwriting it.", 10),
                (72, 320, "MaxUse=, KeepFree=, MaxFileSize=,", 10),
                (72, 332, "MaxFiles=", 10),
                (110, 348, "Enforce size limits on the files the tool stores in its home directory.", 10),
            ]
        ],
    )
    assert any(r.text.startswith("TOOLHOME\nPrint the path") for r in page.regions)  # one region
    units = page_units(page.regions, page.text)
    under = _subjects(units)
    assert under["Print a short help m"] == "--help -h"
    assert under["Print the version an"] == "--version"
    assert under["Print the path to th"] == "TOOLHOME"
    assert under["Control whether the "] == "--save --no-save"
    assert under["Append the report to"] == "-a --append"  # its short name first
    assert under["Enforce size limits "] == "MaxUse=, KeepFree=, MaxFileSize=, MaxFiles="  # wrapped keys
    assert under["The tool accepts the"] == "Invoking the tool"
    judged = _judge("Which option prints the path to the tool's home directory?", page, _stats([page]))
    lead = lead_of(judged.best)
    assert lead.startswith("TOOLHOME — Print the path") and "--version" not in lead, lead


def test_a_title_that_wraps_onto_a_line_of_its_own_leads_with_everything_under_it(tmp_path):
    """A slide's title whose last line the layout extracts apart ("Harbour") is one heading, not a heading
    over the title's first lines; a question the title matches leads with the title's body, down to the
    event line at the slide's foot (a heading-shaped line that heads nothing left out)."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (60, 100, "Mending Nets on the Shore of a Small", 22),
                (60, 126, "Fishing Village", 22),
                (230, 156, "Harbour", 22),
                (200, 240, "Anna Berg", 11),
                (200, 254, "Ole Lund", 11),
                (200, 290, "University of Tromso, Norway", 11),
                (200, 304, "Coastal Museum, Bergen, Norway", 11),
                (200, 340, "Workshop hosted by the Net Makers Guild", 11),
                (200, 380, "Nordic Conference on Coastal Crafts, 2019", 11),
            ]
        ],
    )
    assert any(r.text == "Harbour" for r in page.regions)  # extracted apart
    units = page_units(page.regions, page.text)
    title = "Mending Nets on the Shore of a Small Fishing Village Harbour"
    assert [g.text for g in units.groups if g.kind == "title"] == [title]
    assert all(g.subject == title for g in units.groups[1:])
    question = "At which event was the talk on mending nets in a small fishing village harbour given?"
    lead = lead_of(_judge(question, page, _stats([page])).best)
    assert lead.startswith(title) and lead.endswith("Nordic Conference on Coastal Crafts, 2019"), lead


def test_a_supporting_quote_says_what_the_lead_does_not_already_say(tmp_path):
    """The lead quotes the paragraph whole; a sentence of it, quoted again under its heading ("Nightly
    backups — ..."), says nothing new and is left out."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 80, "Nightly backups", 14),
                (72, 100, "Backups of the database start every night at two o'clock.", 10),
                (72, 114, "The dbsave command writes all tables of the database to /var/backups/till.", 10),
                (72, 128, "Old backups of the database are deleted after fourteen days.", 10),
            ]
        ],
    )
    question = "When are old backups of the database deleted?"
    asked = analyse(question, rewrite(question, []), _stats([page]))
    part = asked.parts[0]
    composed = compose([PartEvidence(part, [judge_page(part.terms, page)])], threshold=0.0)
    lead, *quotes = composed.text.splitlines()
    assert "fourteen days" in lead
    shown = " ".join(lead.split())
    for quote in quotes:
        sentence = quote.split('"')[1].split(" — ")[-1].rstrip(".")
        assert sentence not in shown, composed.text


def test_a_paragraph_too_long_to_lead_whole_leads_from_its_start_when_its_best_sentence_is_early(tmp_path):
    """The sentence that matches best restates the question; the fact is the sentence before it."""
    lines = [
        "Eight hours of continuous scanning are typical. That is how long the battery of the Zeta",
        "scanner lasts on a full charge when its screen is dimmed to the lowest of its five levels.",
        "A brighter screen shortens it, and so does a cold room, since the cells give less current",
        "below ten degrees; the status bar shows the remaining time in minutes once it falls under one",
        "hour, and a warning sounds at ten minutes. The cells age as well: after some three hundred",
        "charges they hold about four fifths of what they held when new, and the service centre can",
        "replace them in a day. Spare packs are sold in pairs and are charged in the same cradle.",
    ]
    (page,) = _pages(
        tmp_path, [[(72, 80, "Battery", 14), *[(72, 110 + 14 * i, t, 10) for i, t in enumerate(lines)]]]
    )
    judged = _judge(
        "How long does the battery of the Zeta scanner last on a full charge?", page, _stats([page])
    )
    assert judged.best.text.startswith("That is how long")
    lead = lead_of(judged.best)
    assert lead.startswith("Battery — Eight hours of continuous scanning") and lead.endswith("..."), lead


def test_a_bold_line_in_body_type_heads_what_follows_and_ends_the_lead_above_it(tmp_path):
    """A section heading set in bold at the body's size (and one in larger type at the top of its
    paragraph's block) is a heading: the lead of the paragraph above it stops there, and the paragraph under
    it leads under its name. A bold row of data ("Method A: 79.98 81.20") and bold cells of a table's header
    row are no headings."""
    rand = [
        "The function rand() produces a sequence of pseudo-random numbers between 0 and 1 from",
        "the current value of two internal seeds; rand(-1) resets both seeds to a standard value.",
    ]
    using = [
        "These functions are valid only in the context of data input, in an expression that provides",
        "an input field of the using specifier in a plot, splot, fit or stats command.",
    ]
    (page,) = _pages(
        tmp_path,
        [
            [
                *[(72, 80 + 13 * i, t, 10) for i, t in enumerate(rand)],
                (72, 126, "Using specifier functions", 10, "hebo"),
                *[(72, 146 + 13 * i, t, 10) for i, t in enumerate(using)],
                (72, 200, "Method A: 79.98 81.20", 10, "hebo"),
                (72, 213, "The scores of method A on the two runs of the benchmark, in percent.", 10),
                (72, 250, "Speed", 10, "hebo"),
                (200, 250, "Weight", 10, "hebo"),
                (72, 263, "fast", 10),
                (200, 263, "light", 10),
                (72, 300, "Poisson models", 13, "hebo"),
                (72, 316, "With the Poisson family the default link is the log, which fits counts.", 10),
                (72, 360, "Column", 10, "hebo"),
                (118, 360, "The column(x) function may be used only in the using specifier of a plot.", 10),
                (72, 374, "It evaluates to the numerical value of the content of column x.", 10),
                (72, 410, "shutdown", 10, "hebo"),
                (300, 410, "Command to bring the system down.", 10),
            ]
        ],
    )

    def kind(words: str) -> set[str]:
        return {r.kind for r in page.regions if words in r.text}

    assert kind("Using specifier functions") == kind("Poisson models") == {"title"}
    assert kind("Method A") == kind("Speed") == kind("Weight") == kind("the default link") == {"text"}
    # a run-in heading (its paragraph goes on a space after it) heads it; a bold cell far from its
    # neighbour on the row is a table's row label
    assert kind("Column") == {"title"} and kind("The column(x) function") == {"text"}
    assert kind("shutdown") == {"text"}
    stats = _stats([page])
    lead = lead_of(_judge("What does the function rand() produce?", page, stats).best)
    assert lead.startswith("The function rand()") and "Using specifier" not in lead, lead
    lead = lead_of(_judge("In which context are using specifier functions valid?", page, stats).best)
    assert lead.startswith("Using specifier functions — These functions are valid"), lead
    lead = lead_of(_judge("What is the default link of the Poisson family?", page, stats).best)
    assert lead.startswith("Poisson models — With the Poisson family"), lead


def test_a_table_a_command_printed_is_read_row_by_row_under_its_header(tmp_path):
    """Code whose output is a table of aligned columns: each row is read with the header row, so the
    row a question asks about leads (not the first lines of the code block)."""
    rows = [f"{n:>6}.000  {56000 - 4000 * n:>10}.500  {2800 - 150 * n:>8}.250" for n in range(9)]
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 80, "The repayment schedule of a loan is printed by the schedule command:", 10),
                (72, 100, "> schedule(0.05, 56000, 12)", 9, "cour"),
                (72, 112, "     period       balance   interest", 9, "cour"),
                *[(72, 124 + 12 * i, row, 9, "cour") for i, row in enumerate(rows)],
            ]
        ],
    )
    tables = [g for g in page_units(page.regions, page.text).groups if g.kind == "table"]
    assert len(tables) == len(rows) and tables[6].text.startswith("period balance interest: 6.000 32000.500")
    judged = _judge("What balance does the schedule show after period 6?", page, _stats([page]))
    assert "32000.500" in lead_of(judged.best), lead_of(judged.best)


def test_a_table_whose_cells_the_text_layer_breaks_apart_is_read_row_by_row(tmp_path):
    """A table set cell by cell (the text layer gives each cell a line of its own, in reading order: "Age:",
    "20", "35", ...) is read by rows, each under the header row, so the row asked about leads with the
    values of its columns."""
    table = [
        ("Age:", ["20", "35", "45", "55", "70"]),
        ("No. tested:", ["50", "50", "50", "50", "50"]),
        ("No. blind:", ["6", "17", "26", "37", "44"]),
    ]
    cells = [
        (x, 130 + 14 * row, text, 10)
        for row, (label, values) in enumerate(table)
        for x, text in [(72, label), *[(160 + 30 * i, v) for i, v in enumerate(values)]]
    ]
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 80, "Samples of islander males of various ages were tested for blindness and the", 10),
                (72, 94, "results recorded. The data are shown below.", 10),
                *cells,
                (72, 200, "The first step is to set the data up as a data frame.", 10),
                (72, 260, "Jens Gramm", 13),
                (250, 260, "Tzvika Hartman", 13),
                (72, 290, "Both authors read the data again and found the same counts in every row.", 10),
                (72, 304, "The counts were published with the paper and are free to use.", 10),
            ]
        ],
    )
    assert [r.kind for r in page.regions if "Age:" in r.text] == ["table"]
    # a row of names set apart by wide gaps is no heading, in larger type or not
    groups = page_units(page.regions, page.text).groups
    assert not [g for g in groups if g.kind == "title" or g.subject], groups
    rows = [g.text for g in page_units(page.regions, page.text).groups if g.kind == "table"]
    assert rows == [
        "Age: 20 35 45 55 70: No. tested: 50 50 50 50 50",
        "Age: 20 35 45 55 70: No. blind: 6 17 26 37 44",
    ]
    judged = _judge("How many of the males were blind at each age?", page, _stats([page]))
    assert "No. blind: 6 17 26 37 44" in lead_of(judged.best), lead_of(judged.best)


def test_a_setting_key_heads_its_description_and_ends_the_lead_above_it(tmp_path):
    """A reference of settings names each setting by its key on a line of its own ("KeepAlive="), the
    description indented under it: the key is the description's subject, so a question about what the
    description says leads with the key, and the lead of the description above stops before the next key
    instead of ending with it."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "IdleTimeoutSec=", 10),
                (
                    100,
                    74,
                    "Takes a time span. Connections without traffic for this long are closed by the",
                    10,
                ),
                (100, 87, "daemon. Defaults to 90s.", 10),
                (72, 105, "KeepAlive=", 10),
                (
                    100,
                    119,
                    "Takes a boolean argument. If true, idle connections to the relay are kept open",
                    10,
                ),
                (100, 132, "with probes, so a later request needs no new handshake. Defaults to false.", 10),
                (72, 150, "RetryLimit=, RetryDelaySec=", 10),
                (
                    100,
                    164,
                    "How often a failed delivery is tried again, and how long to wait in between.",
                    10,
                ),
            ]
        ],
    )
    units = page_units(page.regions, page.text)
    under = _subjects(units)
    assert under["Takes a time span."] == "IdleTimeoutSec="
    assert under["If true, idle connec"] == "KeepAlive="
    assert under["How often a failed d"] == "RetryLimit=, RetryDelaySec="
    stats = _stats([page])
    lead = lead_of(_judge("How do I keep idle connections to the relay open?", page, stats).best)
    assert lead.startswith("KeepAlive= — Takes a boolean argument.") and "Retry" not in lead, lead
    lead = lead_of(_judge("When are connections without traffic closed?", page, stats).best)
    assert lead.startswith("IdleTimeoutSec= — ") and not lead.endswith("KeepAlive="), lead


def test_a_section_title_at_the_outer_margin_is_not_part_of_the_bold_lines_above_it(tmp_path):
    """A manual page's synopsis ends with bold command lines at the body's indent, and the next section's
    bold title stands right under them at the outer margin: it heads its own section (the paragraph under
    it is under "DESCRIPTION"), not a term made of the lines above it."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (50, 60, "SYNOPSIS", 10, "hebo"),
                (86, 74, "relayd [--config file] [--verbose] host", 10),
                (86, 90, "relayd --help", 10, "hebo"),
                (86, 106, "relayd --version", 10, "hebo"),
                (50, 122, "DESCRIPTION", 10, "hebo"),
                (86, 136, "The relay daemon forwards messages from local clients to the remote host and", 10),
                (86, 149, "keeps a queue on disk while the host cannot be reached.", 10),
            ]
        ],
    )
    units = page_units(page.regions, page.text)
    assert "DESCRIPTION" in [g.text for g in units.groups if g.kind == "title"]
    under = _subjects(units)
    assert under["The relay daemon for"] == "DESCRIPTION"
    lead = lead_of(
        _judge("What does the relay daemon do while the host cannot be reached?", page, _stats([page])).best
    )
    assert lead.startswith("DESCRIPTION — The relay daemon forwards"), lead


def test_a_label_over_indented_entries_does_not_run_on_into_the_first_term(tmp_path):
    """A label that opens a group of option entries ("General options:") stands one line above the first
    entry's term, which is indented under it: the term heads its own definition, not the label's line
    (the definition was read under the entry above the label)."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "-u, --user name", 10),
                (
                    100,
                    74,
                    "Checks for processes owned by the user with this name. Used alone, it acts on",
                    10,
                ),
                (100, 87, "every process of that user.", 10),
                (50, 105, "General options:", 10),
                (72, 119, "-g, --group group", 10),
                (100, 133, "Changes to this group when the process is started.", 10),
            ]
        ],
    )
    units = page_units(page.regions, page.text)
    under = _subjects(units)
    assert under["Checks for processes"] == "-u, --user name"
    assert under["Changes to this grou"] == "-g, --group group"
    lead = lead_of(
        _judge("Which option changes the group when the process starts?", page, _stats([page])).best
    )
    assert lead.startswith("-g, --group group — Changes to this group"), lead


def test_a_supporting_quote_from_an_entry_shows_the_entry_whole(tmp_path):
    """A supporting quote from the paragraph right under a term shows that paragraph whole when it fits
    (entry_quote_chars), with its box: the fact is often a sentence after the one that matches ("The
    command accepts no interval below 0.1 seconds" after "Sets the refresh interval."); a sentence of a
    longer paragraph is quoted alone."""
    entry = [
        "Sets the refresh interval. The command accepts no interval below 0.1 seconds; smaller",
        "values are raised to it. Both a comma and a point work as the decimal mark.",
    ]
    long_entry = [
        f"Sentence {n} of a long description of the precise mode, which runs on and on." for n in range(8)
    ]
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "-n, --interval seconds", 10),
                *[(100, 74 + 13 * i, t, 10) for i, t in enumerate(entry)],
                (72, 110, "-p, --precise", 10),
                *[(100, 124 + 13 * i, t, 10) for i, t in enumerate(long_entry)],
            ]
        ],
    )
    judged = _judge("What refresh interval does the command set?", page, _stats([page]))
    (refresh,) = [p for p in judged.passages if p.text.startswith("Sets the refresh interval")]
    quote = quote_of(refresh)
    assert quote.startswith("-n, --interval seconds — Sets the refresh") and "below 0.1 seconds" in quote
    region = citation_of(refresh).region
    assert region.box[3] - region.box[1] > 1.5 * (refresh.unit.box[3] - refresh.unit.box[1])  # both lines
    (precise,) = [p for p in judged.passages if p.text.startswith("Sentence 3")]
    assert (
        quote_of(precise)
        == "-p, --precise — Sentence 3 of a long description of the precise mode, which runs on and on."
    )


def test_a_command_line_that_wraps_under_a_hanging_indent_is_no_heading(tmp_path):
    """A manual page's synopsis line wraps onto lines indented under it (a hanging indent), as a term's
    definition is indented under the term; but what stands under it is more of the command (options in
    brackets, code by its shape), so the line is no heading: the synopsis stays under "SYNOPSIS"."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (50, 60, "SYNOPSIS", 10, "hebo"),
                (86, 74, "relayd [--accept-remote-hosts] [--allow-all-names] [--allow-bad-names]", 10),
                (120, 87, "[--retry n] [--wait s] [--queue d] host", 10),
                (50, 105, "DESCRIPTION", 10, "hebo"),
                (86, 119, "The relay daemon forwards messages from local clients to the remote host.", 10),
            ]
        ],
    )
    units = page_units(page.regions, page.text)
    assert [g.text for g in units.groups if g.kind == "title"] == ["SYNOPSIS", "DESCRIPTION"]
    assert {u.subject for u in units.units if "--retry" in u.text or "--allow" in u.text} == {"SYNOPSIS"}


def _paragraph(x: float, y: float, text: str, width: int = 85) -> list[tuple]:
    """A paragraph's lines (10 pt, 14 pt apart) for `_pages`, wrapped at `width` characters."""
    import textwrap

    return [(x, y + 14 * i, line, 10) for i, line in enumerate(textwrap.wrap(text, width))]


def _answer(question_text: str, pages: list[EvidencePage]) -> str:
    stats = _stats(pages)
    question = analyse(question_text, rewrite(question_text, []), stats)
    evidence = []
    for part in question.parts:
        judged = sorted((judge_page(part.terms, p) for p in pages), key=lambda j: -j.relevance)
        evidence.append(PartEvidence(part, judged))
    return compose(evidence, threshold=0.05).text


def test_two_parts_that_lead_with_one_paragraph_show_both_sentences(tmp_path):
    filler = (
        "The compressor keeps a window of recent bytes in memory and looks for repeated strings in it. "
        "Memory use grows with the window, and the window grows with the memory the caller allows. "
        "Streams may be flushed at any point, at some cost in compression of what follows. "
    )
    text = (
        "The squash routine takes a compression level in the range -1 to 9 as its second argument. "
        + filler
        + filler
        + "The constant SQ_DEFAULT, equal to -1, is a compromise between speed and size and is the same as "
        "level 6. " + filler + filler
    )
    pages = _pages(tmp_path, [[(72, 60, "Compressing", 16), *_paragraph(72, 110, text)]])
    answer = _answer(
        "Which level is SQ_DEFAULT the same as, and what range of levels does squash take?", pages
    )
    # the parts lead with two sentences of one paragraph, too far apart for one cut: it is read from the
    # earlier, and the later follows after "..."
    lead = answer.splitlines()[0]
    assert "range -1 to 9" in lead and "same as level 6" in lead


def test_a_part_whose_words_a_long_item_holds_past_the_cut_shows_that_sentence(tmp_path):
    item = (
        "- match elements say what a file must hold at an offset to be of the type. "
        + "Each match element has a type, an offset and a value, which are required. "
        + "The type says how the value is read: as a string, or as a number of one of several sizes and "
        "byte orders, which the reader converts before it compares anything with the bytes. "
        * 6
        + "The optional mask is a number that is combined with the bytes with AND before the comparison."
    )
    lines = _paragraph(84, 110, item)
    lines = [lines[0]] + [(96, y, line, size) for _, y, line, size in lines[1:]]  # wrapped under the bullet
    pages = _pages(tmp_path, [[(72, 60, "Magic rules", 16), *lines]])
    answer = _answer("Which attributes of a match element are required, and what does the mask do?", pages)
    lead = answer.splitlines()[0]
    assert "which are required" in lead
    assert (
        "... The optional mask is a number that is combined with the bytes with AND" in lead
    )  # past the cut


def test_a_close_candidate_that_holds_the_type_asked_leads(tmp_path):
    """ "Since which version ...?": the sentence that shares most words with the question names no release;
    the close one that does ("6.0.0") leads, as the answer-type signal reads the lead."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "squash(path)", 16),
                (72, 110, "squash() throws a TypeError when the path it is given is not a string.", 10),
                (72, 160, "History", 16),
                (72, 200, "squash() began to throw for such a path in release 6.0.0.", 10),
            ]
        ],
    )
    judged = _judge(
        "Since which version does squash() throw when the path is not a string?", page, _stats([page])
    )
    assert "6.0.0" in lead_of(judged.best)


def test_a_close_page_whose_passage_holds_the_default_asked_for_leads(tmp_path):
    """The first page's best passage says which signal is sent but not the default; the next page's entry
    that states it ("TERM by default"), scoring less but close, leads, as a page's own close candidate
    would."""
    pages = _pages(
        tmp_path,
        [
            [
                (72, 60, "stopd", 16),
                (72, 110, "--stop: when stopping a daemon, stopd sends the daemon the signal which", 10),
                (72, 124, "was given with --signal, and waits until the daemon exits.", 10),
            ],
            [
                (72, 60, "Options", 16),
                (72, 110, "--signal: the signal that stopd sends, TERM by default.", 10),
            ],
        ],
    )
    text = "Which signal does stopd send by default when stopping a daemon?"
    (part,) = analyse(text, rewrite(text, []), _stats(pages)).parts
    # the pages in the order the loop ranked them (its bonuses put the --stop page first)
    composed = compose([PartEvidence(part, [judge_page(part.terms, p) for p in pages])], threshold=0.05)
    assert composed.text.startswith("Options — --signal: the signal that stopd sends, TERM by default.")


def test_an_option_written_as_code_heads_the_description_indented_under_it(tmp_path):
    """A reference of options whose syntax reads as code ("--limit=<m.n> [default: 1.0]") over a
    description indented under it: the syntax line is the description's term, so the description is not
    read under the option before it and does not become the intro of a code block. A command after a prompt
    keeps what it printed under it as its output, and a line that opens a block keeps its body."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "Command-line options", 14),
                (72, 90, "--version", 10),
                (110, 110, "Show the version number.", 10),
                (72, 135, "--limit=<m.n> [default: 1.0]", 10),
                (110, 155, "The share of the total below which entries are merged into one.", 10),
                (72, 180, "--width=<4..1000> [default: 72]", 10),
                (110, 200, "Width of the graph, in columns.", 10),
                (72, 225, "> summary(fit)", 10),
                (110, 245, "Residual standard error on the fitted model", 10),
                (72, 270, "while (left > 0) {", 10),
                (110, 290, "the loop body reads the next chunk here", 10),
            ]
        ],
    )
    units = page_units(page.regions, page.text)
    under = _subjects(units)
    assert under["The share of the tot"] == "--limit=<m.n> [default: 1.0]"
    assert under["Width of the graph, "] == "--width=<4..1000> [default: 72]"
    assert under["Show the version num"] == "--version"
    assert not any(g.kind == "code" and "Show the version" in g.text for g in units.groups)
    assert under["Residual standard er"] != "> summary(fit)"
    assert under["the loop body reads "] != "while (left > 0) {"
    judged = _judge("What is the default width of the graph?", page, _stats([page]))
    assert lead_of(judged.best).startswith("--width=<4..1000> [default: 72] — Width of the graph"), lead_of(
        judged.best
    )


def test_an_entry_under_a_section_title_and_the_next_entry_at_its_margin_stand_apart(tmp_path):
    """A manual's options: "OPTIONS" at the outer margin, each option's name set in under it in the same
    bold type, its text indented under the name; an option whose name fits the indent starts its text on
    the name's line. The option's name is no second line of the section title (it is set in, not centred
    under it), and the line back at the names' margin does not run on from the text above it."""
    (page,) = _pages(
        tmp_path,
        [
            [
                (50, 60, "OPTIONS", 10, "hebo"),
                (86, 74, "-k --keep", 10, "hebo"),
                (122, 88, "Keep (don't delete) input files during compression or decompression.", 10),
                (86, 106, "-l --list For each compressed file, list the following fields:", 10),
                (122, 124, "compressed size: size of the compressed file", 10),
            ]
        ],
    )
    units = page_units(page.regions, page.text)
    titles = [g.text for g in units.groups if g.kind == "title"]
    assert titles[:2] == ["OPTIONS", "-k --keep"], titles
    keep = next(g for g in units.groups if "Keep (don't delete)" in g.text)
    assert "--list" not in keep.text, keep.text


def test_a_lead_does_not_read_on_into_a_chart_drawn_in_characters(tmp_path):
    """A paragraph followed by a memory graph drawn in characters (as a profiler's manual prints one): the
    lead is the paragraph, and does not go on into the drawing, which says nothing in words."""
    chart = ["3.952^ #", "@#:", ":@@#:", "@@::::@@#:", "@ :: :@@#::", "@@@ :: :@@#::", "0 +------------>"]
    (page,) = _pages(
        tmp_path,
        [
            [
                (72, 60, "Peak measurement", 14),
                *_paragraph(
                    72,
                    90,
                    "The peak inaccuracy option sets how far below the true peak a recorded peak may be. "
                    "The following graph is from a run of a web browser.",
                ),
                *[(72, 130 + 12 * i, line, 10, "cour") for i, line in enumerate(chart)],
            ]
        ],
    )
    judged = _judge("What does the peak inaccuracy option set?", page, _stats([page]))
    lead = lead_of(judged.best)
    assert lead.startswith("Peak measurement — The peak inaccuracy option sets"), lead
    assert "@@" not in lead, lead
