"""Library API on real dev-set documents, real ingestion and real embedded Chroma.

Lanes here are `word_lane.WordLane` (hashed bag of words in Chroma): library behaviour is tested apart
from any model, with the same Chroma calls a model lane makes.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import word_lane
from library_helpers import pdf_parts

from pagelens import Library, Region, Settings
from pagelens.errors import LibraryLockedError
from pagelens.lanes import registry

GNUPLOT = "gnuplot-expressions.pdf"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def words_lanes(monkeypatch):
    for family in ("words", "words2", "words3"):
        monkeypatch.setitem(registry._FAMILIES, family, registry.LaneFamily(family, word_lane.factory()))
    word_lane.WordLane.calls.clear()


def open_library(path: Path, lanes=("words",)) -> Library:
    return Library(path, lanes=list(lanes), settings=Settings.from_env())


def chroma_ids(lib: Library, doc_id: str, collection: str = "lane-words-v1") -> list[str]:
    return lib._chroma.client.get_collection(collection).get(where={"doc_id": doc_id})["ids"]


@pytest.fixture(scope="module")
def gnuplot_library(tmp_path_factory, sample_docs):
    """One library holding gnuplot-expressions.pdf, shared by the read-only tests below."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(registry._FAMILIES, "words", registry.LaneFamily("words", word_lane.factory()))
        lib = open_library(tmp_path_factory.mktemp("lib"))
        report = lib.add([sample_docs / GNUPLOT])
        yield lib, report
        lib.close()


def test_add_reports_pages_and_lists_the_document(gnuplot_library):
    lib, report = gnuplot_library
    [outcome] = report.files
    assert (outcome.status, outcome.name, outcome.pages, outcome.reason) == ("added", GNUPLOT, 12, "")
    [doc] = lib.documents()
    assert (doc.name, doc.kind, doc.pages, doc.status) == (GNUPLOT, "pdf", 12, "complete")
    pages = lib.pages(GNUPLOT)
    assert [p.page for p in pages] == list(range(1, 13))
    assert all(Path(p.image_path).read_bytes()[:8] == PNG_MAGIC for p in pages)
    assert sorted(chroma_ids(lib, doc.doc_id)) == [p.key for p in pages]


def test_search_finds_the_page_a_sentence_comes_from(gnuplot_library):
    lib, _ = gnuplot_library
    page = lib.pages(GNUPLOT)[6]
    sentence = " ".join(page.text.split()[10:40])
    hits = lib.search(sentence, k=5)
    assert 0 < len(hits) <= 5
    top = hits[0]
    assert (top.doc, top.page, top.rank) == (GNUPLOT, 7, 1)
    assert top.text == page.text and top.doc_id == page.doc_id
    assert isinstance(top.score, float) and top.score >= hits[-1].score
    assert Path(top.image_path).is_absolute() and Path(top.image_path).read_bytes()[:8] == PNG_MAGIC
    assert all(isinstance(r, Region) for r in top.regions)
    assert top.lanes["words"].rank == 1
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_a_library_page_as_query_image_brings_its_text_as_the_caption(gnuplot_library, monkeypatch):
    lib, _ = gnuplot_library
    page = lib.pages(GNUPLOT)[2]
    seen = []
    monkeypatch.setattr(lib._lanes["words"], "search", lambda query, k: seen.append(query) or [])
    lib.search("but in red", image=page.image_path)
    lib.search("but in red", image=page.image_path, caption="a  plot")
    assert seen[0].image.size == (page.width, page.height) and seen[0].text == "but in red"
    assert seen[0].caption == " ".join(page.text[: lib.settings.max_query_chars].split())
    assert seen[1].caption == "a plot"


def test_get_pages_keeps_the_order_asked_and_skips_unknown_keys(gnuplot_library):
    lib, _ = gnuplot_library
    pages = lib.pages(GNUPLOT)
    keys = [pages[3].key, "nope:00001", pages[0].key]
    assert [p.page for p in lib.get_pages(keys)] == [4, 1]


@pytest.mark.parametrize("query", ["", "   \n\t", None])
def test_empty_queries_are_refused(gnuplot_library, query):
    lib, _ = gnuplot_library
    with pytest.raises(ValueError, match="empty query"):
        lib.search(query)


@pytest.mark.parametrize("k", [0, -3, 1.5, True])
def test_bad_k_is_refused(gnuplot_library, k):
    lib, _ = gnuplot_library
    with pytest.raises(ValueError, match="k must be"):
        lib.search("expression", k=k)


def test_unknown_search_lane_and_unreadable_query_image_are_refused(gnuplot_library, tmp_path):
    lib, _ = gnuplot_library
    with pytest.raises(ValueError, match="not open in this library"):
        lib.search("expression", lanes=["dse"])
    not_an_image = tmp_path / "x.png"
    not_an_image.write_text("hello")
    with pytest.raises(ValueError, match="cannot read the query image"):
        lib.search("expression", image=not_an_image)


def test_an_absurdly_long_query_is_cut_not_fatal(gnuplot_library, caplog):
    lib, _ = gnuplot_library
    hits = lib.search("gnuplot expression operator " * 20_000, k=3)
    assert len(hits) == 3
    assert "cut to" in caplog.text


def test_unknown_lane_name_lists_the_known_ones(tmp_path):
    with pytest.raises(ValueError, match="unknown lane 'nope'; known lanes: .*text"):
        open_library(tmp_path / "lib", lanes=["nope"])


def test_unchanged_updated_and_no_stale_vectors_in_any_lane(tmp_path, sample_docs):
    source = shutil.copy(sample_docs / GNUPLOT, tmp_path / "doc.pdf")
    with open_library(tmp_path / "lib", lanes=["words", "words2"]) as lib:
        assert lib.add([source]).files[0].status == "added"
        old = lib.documents()[0]
        assert lib.add([source]).files[0].status == "unchanged"
        assert len(chroma_ids(lib, old.doc_id)) == 12

        pdf_parts(sample_docs / GNUPLOT, tmp_path, {"doc.pdf": range(0, 5)})
        [outcome] = lib.add([source], replace=True).files
        assert (outcome.status, outcome.pages) == ("updated", 5)
        [new] = lib.documents()
        assert new.doc_id != old.doc_id and new.pages == 5
        for collection in ("lane-words-v1", "lane-words2-v1"):
            assert chroma_ids(lib, old.doc_id, collection) == []
            assert len(chroma_ids(lib, new.doc_id, collection)) == 5
        assert not (lib.path / "pages" / old.doc_id).exists()
        assert sorted(p.name for p in (lib.path / "pages" / new.doc_id).iterdir())[-1] == "00005.png"
        assert {h.doc_id for h in lib.search("expression", k=20)} == {new.doc_id}


def test_a_failing_update_keeps_the_version_already_indexed(tmp_path, sample_docs):
    source = shutil.copy(sample_docs / GNUPLOT, tmp_path / "doc.pdf")
    with open_library(tmp_path / "lib") as lib:
        lib.add([source])
        [before] = lib.documents()
        source.write_bytes(Path(sample_docs / GNUPLOT).read_bytes()[:3000])  # truncated: still "%PDF"
        [outcome] = lib.add([source]).files
        assert outcome.status == "failed" and outcome.reason
        assert lib.documents() == [before]
        assert len(chroma_ids(lib, before.doc_id)) == 12
        assert lib.search("expression", k=1)[0].doc_id == before.doc_id
        assert sorted(p.name for p in (lib.path / "pages").iterdir()) == [before.doc_id]


def test_same_content_under_another_name_is_its_own_document(tmp_path, sample_docs):
    copy = shutil.copy(sample_docs / GNUPLOT, tmp_path / "copy.pdf")
    with open_library(tmp_path / "lib") as lib:
        report = lib.add([sample_docs / GNUPLOT, copy])
        assert [f.status for f in report.files] == ["added", "added"]
        first, second = lib.documents()
        assert first.doc_id != second.doc_id
        assert lib.remove("copy.pdf") is True
        assert [d.name for d in lib.documents()] == [GNUPLOT]
        assert len(chroma_ids(lib, [d for d in (first, second) if d.name == GNUPLOT][0].doc_id)) == 12


def test_a_known_file_under_a_new_name_is_not_added_again_and_says_where_it_is(tmp_path, sample_docs):
    twin = shutil.copy(sample_docs / GNUPLOT, tmp_path / "same bytes, new name.pdf")
    with open_library(tmp_path / "lib") as lib:
        lib.add([sample_docs / GNUPLOT])
        [outcome] = lib.add([twin]).files
        assert (outcome.status, outcome.pages) == ("unchanged", 12)
        assert outcome.reason == f"already in the library as {GNUPLOT}"
        assert [d.name for d in lib.documents()] == [GNUPLOT]
        assert lib.add([twin], replace=True).files[0].status == "unchanged"
        lib.remove(GNUPLOT)
        assert lib.add([twin]).files[0].status == "added"  # once the other copy is gone, it is added


def test_folders_are_recursive_and_skip_helper_files_but_explicit_unknown_files_fail(tmp_path, sample_docs):
    corpus = tmp_path / "corpus"
    (corpus / "manuals").mkdir(parents=True)
    shutil.copy(sample_docs / GNUPLOT, corpus / "manuals" / GNUPLOT)
    shutil.copy(sample_docs / "maxima-finance.html", corpus / "maxima-finance.html")
    (corpus / "style.css").write_text("body { color: red }")
    (corpus / ".hidden.pdf").write_bytes(b"not even a pdf")
    notes = tmp_path / "notes.xyz"
    notes.write_text("just some notes, not a document")
    with open_library(tmp_path / "lib") as lib:
        report = lib.add([corpus, notes, tmp_path / "missing.pdf"])
        outcomes = {f.name: f for f in report.files}
        assert set(outcomes) == {f"manuals/{GNUPLOT}", "maxima-finance.html", "notes.xyz", "missing.pdf"}
        assert outcomes[f"manuals/{GNUPLOT}"].status == "added"
        assert (
            outcomes["maxima-finance.html"].status == "added" and outcomes["maxima-finance.html"].pages >= 1
        )
        assert (
            outcomes["notes.xyz"].status == "failed"
            and "not a PDF, image, HTML" in outcomes["notes.xyz"].reason
        )
        assert outcomes["missing.pdf"].status == "failed" and "no such file" in outcomes["missing.pdf"].reason
        assert not report.ok
        assert [d.name for d in lib.documents()] == [f"manuals/{GNUPLOT}", "maxima-finance.html"]


def test_remove_takes_a_document_out_of_every_lane_the_catalog_and_the_images(tmp_path, sample_docs):
    with open_library(tmp_path / "lib", lanes=["words", "words2"]) as lib:
        lib.add([sample_docs / GNUPLOT])
        [doc] = lib.documents()
        assert lib.remove(GNUPLOT) is True
        assert lib.documents() == []
        assert chroma_ids(lib, doc.doc_id) == [] and chroma_ids(lib, doc.doc_id, "lane-words2-v1") == []
        assert not (lib.path / "pages" / doc.doc_id).exists()
        assert lib.search("expression") == []
        assert lib.remove(GNUPLOT) is False
        with pytest.raises(KeyError, match="no document named"):
            lib.pages(GNUPLOT)


def test_several_lanes_are_fused_and_each_hit_says_which_lanes_found_it(tmp_path, sample_docs):
    with open_library(tmp_path / "lib", lanes=["words", "words2"]) as lib:
        lib.add([sample_docs / GNUPLOT])
        top = lib.search(" ".join(lib.pages(GNUPLOT)[2].text.split()[:30]), k=3)[0]
        assert top.page == 3
        assert set(top.lanes) == {"words", "words2"}
        assert top.score == pytest.approx(sum(1 / (60 + r.rank) for r in top.lanes.values()))
        assert [h.page for h in lib.search("expression", k=5, lanes=["words"])] == [
            h.page for h in lib.search("expression", k=5, lanes=["words2"])
        ]


def test_a_library_remembers_its_lanes(tmp_path, sample_docs):
    with open_library(tmp_path / "lib", lanes=["words", "words2"]) as lib:
        lib.add([sample_docs / GNUPLOT])
    with Library(tmp_path / "lib") as lib:
        assert lib.lanes == ["words", "words2"]
    with Library(tmp_path / "lib", lanes="words2, words") as lib:  # one string, comma-separated
        assert lib.lanes == ["words2", "words"]
        assert [h.lanes.keys() for h in lib.search("expression", lanes="words2")][0] == {"words2"}


def test_changed_lane_spec_reembeds_that_lane_only_and_a_new_lane_is_filled(
    tmp_path, sample_docs, monkeypatch
):
    with open_library(tmp_path / "lib", lanes=["words", "words2"]) as lib:
        lib.add([sample_docs / GNUPLOT])
        [doc] = lib.documents()
    word_lane.WordLane.calls.clear()
    monkeypatch.setitem(
        registry._FAMILIES, "words2", registry.LaneFamily("words2", word_lane.factory(version=2))
    )
    with open_library(tmp_path / "lib", lanes=["words", "words2", "words3"]) as lib:
        assert word_lane.WordLane.calls == [("words2", "index"), ("words3", "index")]
        names = lib._chroma.collection_names()
        assert "lane-words2-v1" not in names
        assert len(chroma_ids(lib, doc.doc_id, "lane-words2-v2")) == 12
        assert len(chroma_ids(lib, doc.doc_id, "lane-words3-v1")) == 12
        assert lib._catalog.lanes()["words2"].spec["version"] == 2


def test_a_lane_left_closed_during_a_write_is_reembedded_when_next_opened(tmp_path, sample_docs):
    with open_library(tmp_path / "lib", lanes=["words", "words2"]) as lib:
        lib.add([sample_docs / GNUPLOT])
    with open_library(tmp_path / "lib", lanes=["words"]) as lib:
        assert lib.remove(GNUPLOT)
    word_lane.WordLane.calls.clear()
    with open_library(tmp_path / "lib", lanes=["words", "words2"]) as lib:
        assert lib.search("expression", lanes=["words2"]) == []
        assert lib._chroma.client.get_collection("lane-words2-v1").count() == 0


def test_a_second_open_of_the_same_library_reads_and_refuses_to_write(tmp_path, dev_docs):
    with open_library(tmp_path / "lib") as first:
        with open_library(tmp_path / "lib") as second:
            assert second.read_only and not first.read_only
            with pytest.raises(LibraryLockedError, match=f"pid {os.getpid()}.*one writer at a time"):
                second.add([dev_docs / GNUPLOT])
            assert second.documents() == []
    with open_library(tmp_path / "lib") as again:  # the write lock went with the first library
        assert not again.read_only


def test_add_accepts_a_single_path_and_reports_progress(tmp_path, sample_docs, capsys):
    seen = []
    with open_library(tmp_path / "lib") as lib:
        report = lib.add(sample_docs / GNUPLOT, on_progress=seen.append, progress=True)
    assert report.ok
    assert (seen[0].files_done, seen[0].pages_done, seen[0].name) == (0, 0, "")
    last = seen[-1]
    assert (last.files_done, last.files_total, last.pages_done, last.pages_total) == (1, 1, 12, 12)
    done = [s.pages_done for s in seen]
    assert done == sorted(done) and set(done) == set(range(13))  # page by page
    assert last.name == GNUPLOT and "12/12 pages" in last.summary
    bar = capsys.readouterr().err
    assert "12/12" in bar and re.search(r"page/s|s/page", bar)  # the tqdm bar counts pages, with a rate


def test_adding_a_folder_that_holds_the_library_skips_the_library_itself(tmp_path, sample_docs):
    shutil.copy(sample_docs / GNUPLOT, tmp_path)
    with open_library(tmp_path / "lib") as lib:
        assert [f.name for f in lib.add([tmp_path]).files] == [GNUPLOT]
        assert [f.status for f in lib.add([tmp_path]).files] == ["unchanged"]  # not its own page PNGs


def test_adding_only_unchanged_files_with_fewer_lanes_leaves_the_other_lanes_valid(tmp_path, sample_docs):
    with open_library(tmp_path / "lib", lanes=["words", "words2"]) as lib:
        lib.add([sample_docs / GNUPLOT])
    with open_library(tmp_path / "lib", lanes=["words"]) as lib:
        assert lib.add([sample_docs / GNUPLOT]).files[0].status == "unchanged"
    word_lane.WordLane.calls.clear()
    with open_library(tmp_path / "lib", lanes=["words", "words2"]):
        assert word_lane.WordLane.calls == []  # nothing re-embedded


class BrokenLane(word_lane.WordLane):
    """Indexes like WordLane but raises `error` on the pages of the document called `broken_doc`."""

    broken_doc = "b.pdf"
    error: BaseException = RuntimeError("the encoder crashed")

    def index(self, pages):
        if pages and pages[0].doc == self.broken_doc:
            raise self.error
        super().index(pages)


def two_pdfs(tmp_path: Path, sample_docs: Path) -> list[Path]:
    return pdf_parts(sample_docs / GNUPLOT, tmp_path, {"a.pdf": range(0, 6), "b.pdf": range(6, 12)})


def test_a_lane_error_fails_that_file_only_and_leaves_nothing_behind(tmp_path, sample_docs, monkeypatch):
    monkeypatch.setitem(
        registry._FAMILIES, "broken", registry.LaneFamily("broken", lambda name, ctx: BrokenLane(name, ctx))
    )
    with open_library(tmp_path / "lib", lanes=["words", "broken"]) as lib:
        report = lib.add(two_pdfs(tmp_path, sample_docs))
        assert [(f.name, f.status) for f in report.files] == [("a.pdf", "added"), ("b.pdf", "failed")]
        assert "the encoder crashed" in report.files[1].reason
        [doc] = lib.documents()
        assert (
            lib._chroma.client.get_collection("lane-words-v1").count() == 6
        )  # b's pages were taken out again
        assert sorted(p.name for p in (lib.path / "pages").iterdir()) == [doc.doc_id]
        assert lib._catalog.pending_documents() == []


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_during_add_then_adding_again_finishes_the_job(tmp_path, sample_docs, monkeypatch, workers):
    monkeypatch.setitem(
        registry._FAMILIES, "broken", registry.LaneFamily("broken", lambda name, ctx: BrokenLane(name, ctx))
    )
    monkeypatch.setattr(BrokenLane, "error", KeyboardInterrupt())
    files = two_pdfs(tmp_path, sample_docs)
    settings = Settings.from_env(workers=workers)
    with Library(tmp_path / "lib", lanes=["words", "broken"], settings=settings) as lib:
        with pytest.raises(KeyboardInterrupt):
            lib.add(files)
        status = {d.name: d.status for d in lib.documents()}
        assert status["b.pdf"] == "pending"
        if workers == 1:
            assert status["a.pdf"] == "complete"  # one file at a time: a was finished before b began
        monkeypatch.setattr(BrokenLane, "broken_doc", "nothing")
        report = lib.add(files)
        a_then = "unchanged" if status["a.pdf"] == "complete" else "added"
        assert [(f.name, f.status) for f in report.files] == [("a.pdf", a_then), ("b.pdf", "added")]
        assert [d.status for d in lib.documents()] == ["complete", "complete"]
        for collection in ("lane-words-v1", "lane-broken-v1"):
            assert lib._chroma.client.get_collection(collection).count() == 12


def test_searching_and_listing_from_another_thread_while_adding(tmp_path, sample_docs):
    import threading

    import pymupdf

    copy = tmp_path / "copy.pdf"  # the same pages in other bytes (a byte-identical copy is not added again)
    with pymupdf.open(sample_docs / GNUPLOT) as pdf:
        pdf.set_metadata({"title": "a copy"})
        pdf.save(copy)
    with open_library(tmp_path / "lib") as lib:
        lib.add([sample_docs / GNUPLOT])
        errors, statuses = [], set()
        adding = threading.Thread(target=lambda: lib.add([copy]))
        adding.start()
        while adding.is_alive():
            try:
                statuses.update((d.name, d.status) for d in lib.documents())
                assert {h.doc for h in lib.search("expression", k=30)} <= {GNUPLOT, "copy.pdf"}
            except Exception as err:  # noqa: BLE001 - collected and reported below
                errors.append(err)
        adding.join()
        assert errors == []
        assert (GNUPLOT, "complete") in statuses
        assert {h.doc for h in lib.search("expression", k=30)} == {GNUPLOT, "copy.pdf"}


def test_an_interrupted_lane_fill_is_redone_on_the_next_open(tmp_path, sample_docs, monkeypatch):
    monkeypatch.setitem(
        registry._FAMILIES, "broken", registry.LaneFamily("broken", lambda name, ctx: BrokenLane(name, ctx))
    )
    monkeypatch.setattr(BrokenLane, "error", KeyboardInterrupt())
    with open_library(tmp_path / "lib") as lib:
        lib.add(two_pdfs(tmp_path, sample_docs))
    with pytest.raises(KeyboardInterrupt):
        open_library(tmp_path / "lib", lanes=["words", "broken"])  # dies filling the new lane, after a.pdf
    monkeypatch.setattr(BrokenLane, "broken_doc", "nothing")
    word_lane.WordLane.calls.clear()
    with open_library(
        tmp_path / "lib", lanes=["words", "broken"]
    ) as lib:  # the failed open let go of the lock
        assert word_lane.WordLane.calls == [("broken", "index"), ("broken", "index")]
        assert lib._chroma.client.get_collection("lane-broken-v1").count() == 12
        assert lib._catalog.lanes()["broken"].spec == {"lane": "words", "dim": word_lane.DIM, "version": 1}
