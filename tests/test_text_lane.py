"""The text lane on real page text (dev-set PDFs' text layers), with a real embedded Chroma."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path

import numpy as np
import pymupdf
import pytest

from pagelens.analysis import analyze
from pagelens.config import Settings
from pagelens.errors import SettingsError
from pagelens.furniture import Furniture
from pagelens.index.chroma import ChromaHandle
from pagelens.index.lane import LaneContext, Query
from pagelens.lanes.text import bm25_index
from pagelens.lanes.text.bm25_index import IndexedPage, LexicalIndex
from pagelens.lanes.text.lane import TextLane, TextLaneParams, create_lane
from pagelens.lanes.text.prepare import passages
from pagelens.lanes.text.segments import Segment
from pagelens.types import Page, Region


def pdf_pages(path: Path, doc_id: str, first: int, last: int) -> list[Page]:
    with pymupdf.open(path) as doc:
        pages = []
        for number in range(first, last + 1):
            page = doc[number - 1]
            blocks = [Region("text", tuple(b[:4]), b[4]) for b in page.get_text("blocks") if b[6] == 0]
            pages.append(
                Page(
                    doc_id=doc_id,
                    doc=path.name,
                    page=number,
                    image_path="",
                    width=1,
                    height=1,
                    text=page.get_text(),
                    text_source="layer",
                    regions=blocks,
                )
            )
    return pages


@pytest.fixture
def lane_env(tmp_path):
    chroma = ChromaHandle.open(folder=tmp_path / "chroma")

    def open_lane(**settings):
        return create_lane("text", LaneContext(Settings(**settings), chroma.scoped(), tmp_path / "lane"))

    return chroma, open_lane


@pytest.fixture(scope="module")
def r_intro(dev_docs) -> list[Page]:
    return pdf_pages(dev_docs / "r-intro.pdf", "rintro", 10, 20)


@pytest.fixture(scope="module")
def gnuplot(sample_docs) -> list[Page]:
    return pdf_pages(sample_docs / "gnuplot-expressions.pdf", "gnuplot", 1, 12)


def vector_count(chroma: ChromaHandle, doc_id: str) -> int:
    name = next(n for n in chroma.collection_names() if n.startswith("lane-text"))
    return len(chroma.client.get_collection(name).get(where={"doc_id": doc_id}, include=[])["ids"])


def test_analyzer_keeps_code_tokens_and_drops_question_words():
    terms = analyze("How do I use read.table() and set_xlabel in .Rhistory with camelCase?", query=True)
    expected = {"read.tabl", "read", "tabl", "set_xlabel", "xlabel", "rhistori", "camelcas", "camel", "case"}
    assert expected <= set(terms)
    assert "how" not in terms and "use" not in terms
    assert "use" in analyze("use it")  # question words are dropped from queries only


def test_one_letter_options_and_format_specifiers_are_terms_with_their_sign_and_case():
    assert analyze("What does gzip -N do, and -n?", query=True) == ["gzip", "-N", "-n"]
    assert analyze("the %M specifier; see -k, --keep") == ["%M", "specifi", "see", "-k", "keep"]
    # a hyphen inside or after a word, a dash before a space and a letter range stay what they were
    assert analyze("an x-ray of e-mail - a bullet, A-Z") == analyze("an ray of mail a bullet")


def test_a_one_letter_option_finds_the_entry_that_names_it(lane_env, tmp_path):
    """Without its sign an option's letter is no term: "what does -k do?" asked only "do". Each page below
    describes one option of one tool in the same words, so only the option itself tells them apart."""
    chroma, open_lane = lane_env
    options = "kNnlr"
    pages = [
        generated_page(
            "tool", n, f"-{letter} changes how the tool treats its input files when it compresses."
        )
        for n, letter in enumerate(options, start=1)
    ]
    lane = open_lane(text_dense_weight=0.0)
    lane.index(pages)
    for n, letter in enumerate(options, start=1):
        assert lane.search(Query(f"What does -{letter} do to the input files?"), 1)[0].key == pages[n - 1].key
    lane.close()


def test_passages_overlap_and_cover_the_page():
    text = " ".join(f"w{i}" for i in range(100))
    chunks = passages(text, 40, 20)
    assert chunks[0].split()[0] == "w0" and chunks[-1].split()[-1] == "w99"
    assert passages("short page", 40, 20) == ["short page"] and passages("   ", 40, 20) == []


def test_search_finds_the_page_and_its_region(lane_env, r_intro, gnuplot):
    _, open_lane = lane_env
    lane = open_lane()
    lane.index(r_intro)
    lane.index(gnuplot)
    hits = lane.search(Query("divert all output to an external file with sink"), 5)
    top = next(p for p in r_intro if p.key == hits[0].key)
    assert "sink" in top.text
    assert hits[0].region is not None and "sink" in top.regions[hits[0].region].text.lower()
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    gnu = lane.search(Query("gnuplot lambertw function"), 3)
    assert gnu[0].key.startswith("gnuplot:")
    assert lane.search(Query(None), 5) == [] and lane.search(Query("   "), 5) == []
    lane.close()


def test_a_query_without_look_words_still_says_which_title_it_matched(lane_env, r_intro):
    """Without colour or kind words the looks fields cannot move a score, so only the pages returned are
    read for the explanation: the titled page found by its text still says so, the others say nothing."""
    _, open_lane = lane_env
    lane = open_lane()
    sink = next(p for p in r_intro if "sink" in p.text)
    lane.index([replace(p, title="Diverting output to a file") if p is sink else p for p in r_intro])
    hits = lane.search(Query("divert output to an external file with sink"), 5)
    assert hits[0].key == sink.key and hits[0].why == "title: Diverting output to a file"
    assert all(h.why == "" for h in hits[1:])
    lane.close()


def generated_page(doc_id: str, number: int, body: str, header: str = "") -> Page:
    """An A4 page (pixels as rendered) with `body` mid-page, an optional running header at the top and a
    page number at the foot."""
    regions = [Region("text", (72, 30, 300, 45), f"{header}    {number}")] if header else []
    regions += [
        Region("text", (72, 100, 520, 300), body),
        Region("text", (280, 805, 320, 820), f"Page {number}"),
    ]
    return Page(
        doc_id=doc_id,
        doc=f"{doc_id}.pdf",
        page=number,
        image_path="",
        width=595,
        height=842,
        text="\n".join(r.text for r in regions),
        text_source="layer",
        regions=regions,
    )


def test_a_running_header_is_down_weighted(lane_env, tmp_path):
    """A query that matches only a document's running header ranks a review naming the same words in its
    text first, and the document's pages lower than the header at full weight would; content words still
    find their page, and the page's body as its region (never the header)."""
    chroma, open_lane = lane_env
    bodies = [
        "Fill it through the lid with cold water up to the MAX mark.",
        "Press the switch once; the light turns off when the water boils.",
        "Descale every four weeks with white vinegar in hard water areas.",
        "Rinse the limescale filter under the tap after descaling.",
        "A blue blinking light means the base is not connected.",
    ]
    handbook = [generated_page("kettle", n, body, "Kettle Handbook 2.1") for n, body in enumerate(bodies, 1)]
    review = [
        generated_page("review", 1, "This kettle handbook is short, clear and well printed."),
        generated_page("review", 2, "The toaster guide is longer."),
    ]
    assert Furniture.of(handbook).split(handbook[2]) == (bodies[2], "Kettle Handbook 2.1    3\nPage 3")
    worked = [generated_page("x", n, f"(%o{n}) 1404.9{n}") for n in range(1, 6)]  # output lines: content
    assert Furniture.of(worked).split(worked[0]) == ("(%o1) 1404.91", "Page 1")
    lane = open_lane()
    full = TextLane(
        LaneContext(Settings(), chroma.scoped(), tmp_path / "full"),
        replace(lane.params, furniture_weight=1.0),
    )
    ratios = []
    for opened in (lane, full):
        opened.index(handbook)
        opened.index(review)
        hits = opened.search(Query("kettle handbook"), 7)
        assert hits[0].key == review[0].key
        ratios.append(max(h.score for h in hits if h.key.startswith("kettle:")) / hits[0].score)
    assert ratios[0] < ratios[1] - 0.1
    [found] = lane.search(Query("descale white vinegar"), 1)
    assert found.key == handbook[2].key and found.region == 1  # the body, not the header
    lane.close()
    full.close()


def test_a_compound_word_of_a_query_counts_once(lane_env, tmp_path):
    """`expEYES` gives the terms expeyes, exp and eyes on pages and in queries. Summed in a query, the
    name outweighed two other words: the page that only names the kit beat the page that answers. Counted
    once, the answer leads; a page that writes only the parts of a compound (`t1enc` for `t1enc.sty`) is
    still found, below the page that writes it whole."""
    chroma, open_lane = lane_env
    pages = [
        generated_page("kit", 1, "The expEYES kit comes in a cardboard case with a manual."),
        generated_page("kit", 2, "The PULSE output has a duty cycle you can change in steps."),
        generated_page("kit", 3, "Load t1enc in the preamble of old documents."),
        generated_page("kit", 4, "The package t1enc.sty is obsolete."),
        *(generated_page("kit", n, f"Filler page {n} about soldering and batteries.") for n in range(5, 9)),
    ]
    lane = open_lane(text_dense_weight=0.0)
    summed = TextLane(
        LaneContext(Settings(), chroma.scoped(), tmp_path / "summed"),
        replace(lane.params, part_fallback=False),
    )
    for opened in (lane, summed):
        opened.index(pages)
    query = Query("expEYES pulse duty")
    assert summed.search(query, 1)[0].key == pages[0].key  # 3 terms of one word beat 2 words
    assert [h.key for h in lane.search(query, 2)] == [pages[1].key, pages[0].key]
    found = [h.key for h in lane.search(Query("t1enc.sty"), 3) if h.score > 0]
    assert found == [pages[3].key, pages[2].key]
    lane.close()
    summed.close()


def test_two_query_words_the_library_writes_as_one_find_the_page_that_does(lane_env, tmp_path):
    """ "user name": the page that writes "Usernames" holds neither word; joined (joined_weight) it is found
    first, over pages that hold both words apart; off (0), one of those leads."""
    chroma, open_lane = lane_env
    pages = [
        generated_page("adduser", 1, "Usernames may only be up to 32 characters long."),
        generated_page("adduser", 2, "The name of a user's group is set by the user option."),
        *(
            generated_page("adduser", n, f"Filler page {n}: each user has a long name and a shell.")
            for n in range(3, 9)
        ),
    ]
    lane = open_lane(text_dense_weight=0.0)
    apart = TextLane(
        LaneContext(Settings(), chroma.scoped(), tmp_path / "apart"), replace(lane.params, joined_weight=0.0)
    )
    for opened in (lane, apart):
        opened.index(pages)
    query = Query("How long may a user name be?")
    assert lane.search(query, 1)[0].key == pages[0].key
    assert apart.search(query, 1)[0].key != pages[0].key
    lane.close()
    apart.close()


def test_text_lane_parameters_come_from_settings_and_only_index_time_ones_reindex(monkeypatch):
    monkeypatch.setenv("PAGELENS_TEXT_PARAMS", "b=0.75,negation=0,passage_words=60")
    params = TextLaneParams.from_settings(Settings.from_env(text_dense_weight=0.0))
    assert (params.b, params.negation, params.passage_words, params.dense_weight) == (0.75, False, 60, 0.0)
    assert type(params.negation) is bool and type(params.passage_words) is int
    with pytest.raises(SettingsError, match="knob"):
        TextLaneParams.from_settings(Settings(text_params={"knob": 1.0}))
    base = TextLaneParams(dense_weight=0.15)
    index_time = {name: value for name, value in vars(base).items() if name in TextLaneParams.INDEX_TIME}
    assert index_time == {
        "passage_words": 80,
        "passage_stride": 80,
        "furniture_weight": 0.75,
        "negation": True,
        "figure_text": True,
        "stemming": True,
        "word_parts": True,
    }


def test_bm25_and_dense_both_contribute(lane_env, r_intro, gnuplot):
    _, open_lane = lane_env
    lane = open_lane()
    lane.index(r_intro + gnuplot)
    weight = lane.params.dense_weight
    lexical = lane.search(Query("sink output console"), 3)
    assert lexical[0].score > weight  # the BM25 part (max-normalised to 1) is in the score
    # words no page contains and nothing close in meaning: no page matches (the meaning floor)
    assert lane.search(Query("zzyzx qwertyuiop"), 3) == []
    # without the floor, BM25 has nothing and the dense vectors alone rank pages
    lane.params = dataclasses.replace(lane.params, meaning_floor=-1.0)
    semantic = lane.search(Query("zzyzx qwertyuiop"), 3)
    assert semantic and all(abs(h.score) <= weight + 1e-6 for h in semantic)
    assert {h.key for h in semantic} <= {p.key for p in r_intro + gnuplot}  # page keys from passage ids
    bm25_only = open_lane(text_dense_weight=0.0)
    assert all(h.score == 0 for h in bm25_only.search(Query("zzyzx qwertyuiop"), 3))
    lane.close()
    bm25_only.close()


def test_delete_and_reindex_leave_no_stale_pages_or_vectors(lane_env, r_intro, gnuplot):
    chroma, open_lane = lane_env
    lane = open_lane()
    lane.index(r_intro)
    lane.index(gnuplot)
    assert vector_count(chroma, "gnuplot") > 0
    lane.delete(["gnuplot"])
    assert vector_count(chroma, "gnuplot") == 0
    assert not any(h.key.startswith("gnuplot:") for h in lane.search(Query("gnuplot lambertw function"), 50))
    # re-index a document with fewer pages: the dropped pages are gone from BM25 and from Chroma
    lane.index(r_intro[:2])
    keys = {h.key for h in lane.search(Query("R data objects vector sink function"), 50)}
    assert keys and keys <= {p.key for p in r_intro[:2]}
    words, stride = lane.params.passage_words, lane.params.passage_stride
    assert vector_count(chroma, "rintro") == sum(len(passages(p.text, words, stride)) for p in r_intro[:2])
    lane.delete(["rintro"])
    assert lane.search(Query("sink"), 5) == []
    lane.close()


def test_index_persists_across_reopen(lane_env, r_intro):
    _, open_lane = lane_env
    lane = open_lane()
    lane.index(r_intro)
    before = lane.search(Query("assignment operator arrow"), 5)
    lane.close()
    reopened = open_lane()
    assert reopened.search(Query("assignment operator arrow"), 5) == before
    assert reopened.spec() == lane.spec()
    reopened.close()


def lexical_scores(index: LexicalIndex, query: str) -> dict[str, float]:
    snapshot = index.snapshot()
    scores = snapshot.scores(analyze(query, query=True), 0.4)
    rows = np.flatnonzero(scores)
    return dict(zip(snapshot.keys(rows), scores[rows].tolist()))


def bm25s_scores(pages: dict[str, list[str]], query: str) -> dict[str, float]:
    """Reference: one bm25s index (Lucene variant) over the given pages, unigrams + 0.4 x term pairs."""
    import bm25s

    keys, documents = list(pages), list(pages.values())
    reference = bm25s.BM25(k1=1.5, b=0.5, method="lucene")
    reference.index(documents, show_progress=False)
    pairs = bm25s.BM25(k1=1.5, b=0.5, method="lucene")
    pairs.index([[f"{a} {b}" for a, b in zip(d, d[1:])] for d in documents], show_progress=False)
    terms = analyze(query, query=True)
    known = [t for t in terms if t in reference.vocab_dict]
    bigrams = [f"{a} {b}" for a, b in zip(terms, terms[1:]) if f"{a} {b}" in pairs.vocab_dict]
    total = reference.get_scores(known) + (0.4 * pairs.get_scores(bigrams) if bigrams else 0)
    return {keys[i]: float(total[i]) for i in np.flatnonzero(total)}


def assert_same_scores(index: LexicalIndex, live: dict[str, list[str]]) -> None:
    for query in [
        "sink output file console",
        "assign value variable function",
        "gnuplot lambertw argument",
        "the function of the value of the file",
    ]:
        got, expected = lexical_scores(index, query), bm25s_scores(live, query)
        assert got.keys() == expected.keys(), query
        assert np.allclose([got[k] for k in expected], list(expected.values()), rtol=1e-4, atol=1e-6), query


def indexed(pages: list[Page]) -> list[IndexedPage]:
    return [IndexedPage(p.key, p.doc_id, analyze(p.text), []) for p in pages]


def test_incremental_index_scores_like_one_bm25s_index_over_the_live_pages(
    tmp_path, r_intro, gnuplot, monkeypatch
):
    """Adds in separate segments, a delete, an update with fewer pages and tier merges: at every step the
    scores equal a bm25s index built from scratch over exactly the pages that are live."""
    monkeypatch.setattr(bm25_index, "MERGE_FACTOR", 3)
    index = LexicalIndex(tmp_path / "lexical", k1=1.5, b=0.5)
    live: dict[str, list[str]] = {}

    def add(pages: list[Page]) -> None:
        index.add(indexed(pages))
        for doc_id in {p.doc_id for p in pages}:
            for key in [k for k in live if k.startswith(f"{doc_id}:")]:
                del live[key]
        live.update((p.key, analyze(p.text)) for p in pages)

    for part in range(0, len(r_intro), 3):  # four segments of one document each: merges run at three
        add([replace(p, doc_id=f"r{part}") for p in r_intro[part : part + 3]])
    add(gnuplot)
    segments = len(list((tmp_path / "lexical" / "segments").iterdir()))
    assert segments < 5, "three segments of one tier should have been merged"
    assert_same_scores(index, live)
    index.delete(["r3"])
    for key in [k for k in live if k.startswith("r3:")]:
        del live[key]
    assert_same_scores(index, live)
    add(gnuplot[:4])  # an update with fewer pages replaces every earlier page of the document
    assert_same_scores(index, live)
    assert not any(
        k.startswith("gnuplot:") and int(k.split(":")[1]) > 4 for k in lexical_scores(index, "gnuplot")
    )
    reader = LexicalIndex(tmp_path / "lexical", k1=1.5, b=0.5, writable=False)
    assert_same_scores(reader, live)
    with pytest.raises(PermissionError, match="read-only"):
        reader.delete(["gnuplot"])
    index.delete(["gnuplot"])  # the reader sees a commit made after it opened
    assert not any(k.startswith("gnuplot:") for k in lexical_scores(reader, "gnuplot lambertw"))
    empty = LexicalIndex(tmp_path / "empty", k1=1.5, b=0.5)
    assert empty.snapshot().scores(["x", "y"], 0.4).shape == (0,)
    for opened in (index, reader, empty):
        opened.close()


def test_a_segment_no_commit_lists_is_removed_by_the_next_writer(tmp_path, r_intro):
    index = LexicalIndex(tmp_path / "lexical", k1=1.5, b=0.5)
    index.add(indexed(r_intro[:2]))
    orphan = tmp_path / "lexical" / "segments" / "seg-99"
    Segment.build(["x:00001"], [["orphan"]]).save(orphan)
    (tmp_path / "lexical" / "segments" / "seg-100.tmp").mkdir()
    index.close()
    reopened = LexicalIndex(tmp_path / "lexical", k1=1.5, b=0.5)
    assert sorted(p.name for p in (tmp_path / "lexical" / "segments").iterdir()) == ["seg-1"]
    assert set(lexical_scores(reopened, "vector assignment")) <= {p.key for p in r_intro[:2]}
    reopened.close()
