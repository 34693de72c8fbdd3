"""The `Corpus` protocol (types.py) that the answer loop and the furniture rules read a library through:
`Library` and the scoped view `Library.ask(docs=...)` hands over both implement it, and the scoped view
offers nothing else of the library (no attribute forwarding that an import check cannot see).

Real PDFs from the dev set in a real library with the text lane.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from library_helpers import pdf_parts

from pagelens import Library
from pagelens.analysis import CorpusStats, analyze
from pagelens.config import Settings
from pagelens.furniture import FurnitureCache
from pagelens.library import ScopedLibrary
from pagelens.types import Corpus

MEMBERS = [name for name in vars(Corpus) if not name.startswith("_")]


@pytest.fixture(scope="module")
def library(tmp_path_factory, dev_docs: Path):
    folder = tmp_path_factory.mktemp("docs")
    files = pdf_parts(dev_docs / "gnuplot-expressions.pdf", folder, {"gnuplot.pdf": range(8, 11)})
    files += pdf_parts(dev_docs / "r-intro.pdf", folder, {"r-intro.pdf": range(10, 13)})
    lib = Library(tmp_path_factory.mktemp("lib"), lanes=["text"], settings=Settings.from_env({}))
    assert lib.add(files, progress=False).ok
    yield lib
    lib.close()


def test_the_protocol_names_what_the_answer_loop_reads():
    assert sorted(MEMBERS) == ["documents", "get_pages", "pages", "search", "search_notes", "statistics"]


@pytest.mark.parametrize("kind", [Library, ScopedLibrary])
def test_each_corpus_accepts_every_protocol_parameter(kind):
    for name in MEMBERS:
        wanted = inspect.signature(getattr(Corpus, name)).parameters
        offered = inspect.signature(getattr(kind, name)).parameters
        for parameter in wanted.values():
            assert parameter.name in offered, (kind.__name__, name, parameter.name)
            assert offered[parameter.name].kind == parameter.kind, (kind.__name__, name, parameter.name)
            assert (offered[parameter.name].default is inspect.Parameter.empty) == (
                parameter.default is inspect.Parameter.empty
            ), (kind.__name__, name, parameter.name)


def test_the_scoped_view_is_the_protocol_and_nothing_more(library: Library):
    scoped = library._answering_view(["r-intro.pdf"])
    assert library._answering_view(None) is library
    assert not hasattr(type(scoped), "__getattr__")
    public = {name for name in dir(scoped) if not name.startswith("_")}
    assert public == set(MEMBERS)
    for absent in ("add", "remove", "settings", "close", "conversations"):
        assert not hasattr(scoped, absent), absent


def test_the_scoped_view_reads_inside_its_documents(library: Library):
    scoped = library._answering_view(["r-intro.pdf"])
    assert [d.name for d in scoped.documents()] == ["r-intro.pdf"]
    own_words = " ".join(scoped.pages("r-intro.pdf")[0].text.split()[:12])
    query = f"seeds of the rand generator {own_words}"  # words of both documents
    assert {h.doc for h in library.search(query, 6)} == {"gnuplot.pdf", "r-intro.pdf"}
    assert {h.doc for h in scoped.search(query, 6)} == {"r-intro.pdf"}
    with pytest.raises(KeyError, match="outside the documents"):
        scoped.pages("gnuplot.pdf")
    gnuplot_keys = [p.key for p in library.pages("gnuplot.pdf")]
    assert library.get_pages(gnuplot_keys) and not scoped.get_pages(gnuplot_keys)
    assert len(scoped.pages("r-intro.pdf")) == 3


def test_statistics_count_the_complete_pages(library: Library):
    stats = library.statistics()
    assert isinstance(stats, CorpusStats) and stats.pages == 6
    [seed] = analyze("seeds")
    assert stats.mentions(seed) and not stats.mentions("zqxwv")
    assert stats.idf("zqxwv") > stats.idf(seed)
    assert library.statistics() is stats  # cached until the documents change


def test_the_furniture_cache_keeps_the_documents_used_last(library: Library):
    cache = FurnitureCache(size=1)
    docs = {d.name: d for d in library.documents()}
    gnuplot, r_intro = docs["gnuplot.pdf"], docs["r-intro.pdf"]
    first = cache.get(library, gnuplot.name, gnuplot.doc_id, gnuplot.pages)
    assert cache.get(library, gnuplot.name, gnuplot.doc_id, gnuplot.pages) is first
    kept = cache.get(library, r_intro.name, r_intro.doc_id, r_intro.pages)
    assert len(cache) == 1 and cache.get(library, r_intro.name, r_intro.doc_id, r_intro.pages) is kept
    again = cache.get(library, gnuplot.name, gnuplot.doc_id, gnuplot.pages)
    assert again is not first and again == first  # recomputed after eviction, the same furniture


def test_statistics_come_from_the_index_and_a_scope_does_not_change_them(library: Library):
    pages = [page for doc in library.documents() for page in library.pages(doc.name)]
    counted = CorpusStats.from_texts([page.text for page in pages])
    stats = library.statistics()
    words = sorted({t for page in pages for t in analyze(page.text)})
    assert words and stats.pages == counted.pages == len(pages)
    assert [stats.frequency(w) for w in words] == [counted.frequency(w) for w in words]
    scoped = library._answering_view(["r-intro.pdf"])
    assert scoped.statistics() is stats  # the library's own, cached: not the scope's 3 pages
    assert [scoped.statistics().idf(w) for w in words] == [stats.idf(w) for w in words]
