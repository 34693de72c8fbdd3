"""Questions and searches limited to chosen documents: every lane filters by doc id before ranking.

Real PDFs from the dev set in a real library (text lane + a Chroma word lane), and the text lane alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import word_lane
from library_helpers import pdf_parts

from pagelens import Library
from pagelens.config import Settings
from pagelens.index.lane import Query

QUESTION = "How do I reset both seeds of the rand() generator to their standard value?"


@pytest.fixture(autouse=True)
def _words_lane():
    word_lane.register()


@pytest.fixture(scope="module")
def library(tmp_path_factory, dev_docs: Path):
    folder = tmp_path_factory.mktemp("docs")
    files = pdf_parts(dev_docs / "gnuplot-expressions.pdf", folder, {"gnuplot.pdf": range(8, 11)})
    files += pdf_parts(dev_docs / "r-intro.pdf", folder, {"r-intro.pdf": range(10, 16)})
    word_lane.register()
    lib = Library(tmp_path_factory.mktemp("lib"), lanes=["text", "words"], settings=Settings.from_env({}))
    report = lib.add(files, progress=False)
    assert report.ok, report
    yield lib
    lib.close()


def test_unscoped_search_finds_the_rand_page_first(library: Library):
    assert library.search(QUESTION, 3)[0].doc == "gnuplot.pdf"


def test_scoped_search_returns_k_pages_of_the_chosen_document_only(library: Library):
    hits = library.search(QUESTION, 4, docs=["r-intro.pdf"])
    assert len(hits) == 4 and {hit.doc for hit in hits} == {"r-intro.pdf"}
    for lane in library.lanes:
        only = library.search(QUESTION, 2, docs=["r-intro.pdf"], lanes=[lane])
        assert len(only) == 2 and {hit.doc for hit in only} == {"r-intro.pdf"}, lane


def test_each_lane_filters_before_its_top_k(library: Library):
    """k=1 in a lane: the one page returned is the chosen document's best, not the library's best dropped."""
    scope = frozenset({library._catalog.document("r-intro.pdf").doc_id})
    for name in library._lanes.names:
        lane = library._lanes[name]
        best_anywhere = lane.search(Query(text=QUESTION), 1)[0]
        assert best_anywhere.key.startswith(library._catalog.document("gnuplot.pdf").doc_id)
        [hit] = lane.search(Query(text=QUESTION, docs=scope), 1)
        assert hit.key.split(":")[0] in scope, name


def test_unknown_or_empty_scope_is_a_clear_error(library: Library):
    with pytest.raises(ValueError, match="no document named 'nope.pdf'"):
        library.search(QUESTION, 3, docs=["nope.pdf"])
    with pytest.raises(ValueError, match="docs is empty"):
        library.search(QUESTION, 3, docs=[])
    with pytest.raises(ValueError, match="no document named"):
        library.ask(QUESTION, docs=["nope.pdf"])


def test_scoped_ask_cites_only_the_chosen_documents(library: Library):
    unscoped = library.ask(QUESTION)
    assert any(c.doc == "gnuplot.pdf" for c in unscoped.citations)
    scoped = library.ask(QUESTION, docs=["r-intro.pdf"])
    assert all(c.doc == "r-intro.pdf" for c in scoped.citations)
    assert "rand(-1)" not in scoped.text
