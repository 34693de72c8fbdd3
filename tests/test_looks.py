"""Finding pages by how they look: colour names, figure kinds, slide titles and overlay folding, proven on
pages drawn here (PDFs with coloured vector shapes, an embedded PNG plot with a legend, an overlay deck),
ingested through the real pipeline into a real library."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from pagelens.config import Settings
from pagelens.headings import page_titles
from pagelens.ingest.looks import colour_names
from pagelens.ingest.pipeline import ingest_file
from pagelens.lanes.text.looks import UNSHOWN_KIND, LooksQuery, PageLook, match
from pagelens.library import Library
from pagelens.looks_vocab import COLOURS
from pagelens.types import Look, Page, Region

RED, BLUE, GREEN = (0.85, 0.1, 0.1), (0.1, 0.2, 0.85), (0.1, 0.6, 0.2)
BODY = "Measurements of the sample over twelve weeks, as described in the methods section above."


def bar_chart(page: pymupdf.Page, colour: tuple[float, float, float], top: float = 200) -> None:
    """Filled bars on an axis with numeric tick labels: a plot."""
    page.draw_line((100, top + 300), (500, top + 300), color=(0, 0, 0), width=1)
    page.draw_line((100, top), (100, top + 300), color=(0, 0, 0), width=1)
    for n, height in enumerate([120, 200, 260, 180, 90, 40]):
        x = 120 + n * 60
        page.draw_rect(pymupdf.Rect(x, top + 300 - height, x + 40, top + 300), color=colour, fill=colour)
        page.insert_text((x + 12, top + 318), str(n * 2), fontsize=9)
    for n in range(4):
        page.insert_text((80, top + 300 - n * 100), str(n * 10), fontsize=9)


def tree(page: pymupdf.Page, colour: tuple[float, float, float]) -> None:
    """Circles joined by lines: a drawing with no numbers on it."""
    nodes = [(300, 220), (200, 320), (400, 320), (150, 420), (250, 420), (350, 420), (450, 420)]
    for parent, child in [(0, 1), (0, 2), (1, 3), (1, 4), (2, 5), (2, 6)]:
        page.draw_line(nodes[parent], nodes[child], color=colour, width=2)
    for x, y in nodes:
        page.draw_circle((x, y), 18, color=colour, fill=colour)


def make_pdf(path: Path, draw_pages, size=(595, 842)) -> Path:
    doc = pymupdf.open()
    for draw in draw_pages:
        page = doc.new_page(width=size[0], height=size[1])
        draw(page)
    doc.save(path)
    return path


def plot_png(path: Path) -> Path:
    """A raster line plot with a legend box naming its two series."""
    image = Image.new("RGB", (640, 420), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(60, 380), (620, 380)], fill="black", width=2)
    draw.line([(60, 20), (60, 380)], fill="black", width=2)
    xs = np.linspace(60, 620, 80)
    draw.line(list(zip(xs, 200 - 120 * np.sin(xs / 60))), fill=(20, 160, 40), width=5)
    draw.line(list(zip(xs, 200 - 120 * np.cos(xs / 60))), fill=(240, 140, 0), width=5)
    draw.rectangle([440, 30, 610, 100], outline="black", width=2)
    draw.line([(450, 50), (490, 50)], fill=(20, 160, 40), width=5)
    draw.text((500, 42), "growth", fill="black")
    draw.line([(450, 80), (490, 80)], fill=(240, 140, 0), width=5)
    draw.text((500, 72), "decline", fill="black")
    image.save(path)
    return path


def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(library=tmp_path / "library", lanes=["text"], layout=False, ocr="off")


def test_colour_names_of_pure_and_pale_colours():
    rgb = np.array(
        [
            (230, 20, 20),
            (255, 140, 0),
            (240, 220, 30),
            (30, 160, 60),
            (20, 60, 220),
            (130, 40, 180),
            (250, 120, 200),
            (120, 70, 20),
            (128, 128, 128),
            (10, 10, 10),
            (250, 250, 250),
            (255, 128, 128),
        ],
        dtype=np.uint8,
    )
    names = [COLOURS[n] for n in colour_names(rgb)]
    assert names == [
        "red",
        "orange",
        "yellow",
        "green",
        "blue",
        "purple",
        "pink",
        "brown",
        "grey",
        "black",
        "white",
        "red",
    ]


def test_ingest_names_colours_and_kinds_of_drawn_figures(tmp_path):
    def plot_page(page):
        page.insert_text((72, 100), "Figure 1. Weekly counts", fontsize=11)
        bar_chart(page, RED)

    def tree_page(page):
        page.insert_text((72, 100), "Figure 2. The search tree", fontsize=11)
        tree(page, BLUE)

    def code_page(page):
        for n in range(20):
            page.insert_text(
                (72, 100 + 14 * n),
                f"for (i = 0; i < {n}; i++) total += value[i];",
                fontname="cour",
                fontsize=10,
            )

    pdf = make_pdf(tmp_path / "figures.pdf", [plot_page, tree_page, code_page])
    pages = ingest_file(
        pdf, name=pdf.name, doc_id="d1", out_dir=tmp_path / "png", settings=settings(tmp_path)
    )
    plot, drawing, code = pages
    assert len(plot.looks) == 2 and plot.looks[0].box is None
    figure = plot.looks[1]
    assert "plot" in figure.kinds and "colour" in figure.kinds
    assert dict(figure.colours)["red"] >= 0.5  # the bars, with the text left out of the figure's pixels
    assert {"0", "4", "8"} <= set(figure.text.split())  # the tick labels under the drawn bars
    x0, y0, x1, y1 = figure.box
    assert x0 < 0.25 * plot.width and x1 > 0.75 * plot.width and y0 < 0.35 * plot.height
    assert "drawing" in drawing.looks[1].kinds and "plot" not in drawing.looks[1].kinds
    assert dict(drawing.looks[1].colours)["blue"] >= 0.5 and "red" not in dict(drawing.looks[1].colours)
    assert "code" in code.looks[0].kinds and len(code.looks) == 1
    assert "colour" not in code.looks[0].kinds


def test_ingest_describes_an_embedded_png_plot(tmp_path):
    png = plot_png(tmp_path / "plot.png")

    def page_with_image(page):
        page.insert_text((72, 80), "The two series of the experiment are shown below.", fontsize=11)
        page.insert_image(pymupdf.Rect(72, 120, 520, 414), filename=str(png))

    pdf = make_pdf(tmp_path / "raster.pdf", [page_with_image])
    (page,) = ingest_file(
        pdf, name=pdf.name, doc_id="d2", out_dir=tmp_path / "png", settings=settings(tmp_path)
    )
    figure = next(look for look in page.looks[1:] if "image" in look.kinds)
    colours = dict(figure.colours)
    assert colours.get("green", 0) >= 0.05 and colours.get("orange", 0) >= 0.05
    assert "colour" in figure.kinds and "colour" in page.looks[0].kinds
    assert figure.box[0] == pytest.approx(72 * page.width / 595, abs=3)


def labelled_plot_png(path: Path, size: int = 640) -> Path:
    """A raster plot whose axis title and legend are set in pixels only (large enough letters for OCR)."""
    font = ImageFont.load_default(size=size // 20)
    image = Image.new("RGB", (size, size * 2 // 3), "white")
    draw = ImageDraw.Draw(image)
    w, h = image.size
    draw.line([(80, h - 60), (w - 20, h - 60)], fill="black", width=2)
    draw.line([(80, 20), (80, h - 60)], fill="black", width=2)
    xs = np.linspace(80, w - 20, 60)
    draw.line(list(zip(xs, h / 2 - h / 4 * np.sin(xs / 50))), fill=(30, 90, 200), width=4)
    draw.text((w // 2 - 120, h - 45), "Weeks of rainfall", fill="black", font=font)
    draw.text((w - 250, 30), "Kestrel sightings", fill="black", font=font)
    image.save(path)
    return path


def test_text_inside_a_large_embedded_raster_figure_is_read_indexed_and_explained(tmp_path):
    """OCR of the large image only (the small one is an icon), its words found by search with the figure as
    the hit's region and quoted in the explanation, and read from the OCR cache the second time."""
    big, small = labelled_plot_png(tmp_path / "plot.png"), labelled_plot_png(tmp_path / "icon.png", size=320)

    def page_with_plot(page):
        page.insert_text((72, 80), "The survey results are shown below.", fontsize=11)
        page.insert_image(pymupdf.Rect(72, 120, 520, 420), filename=str(big))
        page.insert_image(pymupdf.Rect(72, 500, 132, 540), filename=str(small))

    pdf = make_pdf(tmp_path / "survey.pdf", [page_with_plot])
    cache = tmp_path / "ocr-cache"
    ocr = settings(tmp_path).replace(ocr="tesseract", ocr_cache=str(cache))
    (page,) = ingest_file(pdf, name=pdf.name, doc_id="d3", out_dir=tmp_path / "png", settings=ocr)
    assert page.text_source == "layer" and "kestrel" not in page.text.lower()
    assert {"kestrel", "sightings", "rainfall"} <= set(page.figure_text.lower().split())
    (figure,) = (region for region in page.regions if region.kind == "figure" and region.text)
    assert figure.box[0] == pytest.approx(72 * page.width / 595, abs=3)
    assert [look.text for look in page.looks if look.text] == [figure.text]
    assert len(list(cache.glob("*.json"))) == 1  # the 60 pt icon is not read
    library = tmp_path / "library"
    with Library(library, lanes=["text"], settings=ocr.replace(library=library)) as lib:
        assert lib.add([pdf]).ok
        (hit,) = lib.search("kestrel sightings", k=3)
        assert hit.region.box == figure.box
        assert "figure text: 'Kestrel sightings'" in hit.lanes["text"].why
    assert len(list(cache.glob("*.json"))) == 1  # the second ingestion read the figure from the cache
    off = ocr.replace(ocr_figures=False, looks=False)
    (page,) = ingest_file(pdf, name=pdf.name, doc_id="d3", out_dir=tmp_path / "png2", settings=off)
    assert page.figure_text == "" and page.looks == [] and page.title == ""


def test_query_colour_and_kind_words_rank_the_page_that_looks_so(tmp_path):
    """Three documents with the same words (separate files, so no overlay folding); a colour word in the
    query decides, and the hit says why."""

    def red(page):
        page.insert_text((72, 100), BODY, fontsize=9)
        bar_chart(page, RED)

    def blue(page):
        page.insert_text((72, 100), BODY, fontsize=9)
        bar_chart(page, BLUE)

    def text_only(page):
        page.insert_text((72, 100), BODY, fontsize=9)

    pdfs = [
        make_pdf(tmp_path / f"{name}.pdf", [draw])
        for name, draw in [("plain", text_only), ("red", red), ("blue", blue)]
    ]
    with Library(tmp_path / "library", lanes=["text"], settings=settings(tmp_path)) as library:
        assert library.add(pdfs).ok
        for colour in ("red", "blue"):
            hits = library.search(f"the {colour} chart of the measurements over twelve weeks", k=3)
            assert hits[0].doc == f"{colour}.pdf"
            assert (
                f"colour: {colour}" in hits[0].lanes["text"].why and "kind: plot" in hits[0].lanes["text"].why
            )
        hits = library.search("measurements of the sample over twelve weeks", k=3)
        assert len(hits) == 3 and all(
            hit.lanes["text"].why == "" for hit in hits
        )  # no look words, no reasons


def test_looks_match_reads_colour_kind_and_title_words():
    page = PageLook.build(
        {"red": 0.31, "black": 0.6}, {"plot", "colour"}, "Growth rates", "weekly growth", read_text=""
    )
    found = match(LooksQuery.parse("the page showing the reddish histogram of growth rates"), page)
    assert found.colour == 1.0 and found.kind == 1.0 and found.title > 0
    talked_about = match(LooksQuery.parse("which bins does the reddish histogram of growth rates use"), page)
    assert talked_about.kind == UNSHOWN_KIND < 1.0 and talked_about.colour == 1.0  # no showing word
    assert found.why == "colour: red 31%; kind: plot; figure text: 'weekly growth'; title: Growth rates"
    assert "figure text" not in match(LooksQuery.parse("the histogram of sales"), page).why
    assert (
        match(LooksQuery.parse("a blue photo"), page).colour
        == 0.0
        == match(LooksQuery.parse("a photo"), page).kind
    )
    assert match(LooksQuery.parse("how do I sort a list"), page).why == ""
    # a drawn figure's words are in the text layer: they explain a kind match only; OCR'd words always
    assert "figure text" not in match(LooksQuery.parse("weekly growth"), page).why
    read = PageLook.build({}, {"image"}, "", "Weekly growth\nper site", "Weekly growth\nper site")
    assert match(LooksQuery.parse("weekly growth"), read).why == "figure text: 'Weekly growth'"
    assert PageLook.from_json(read.to_json()) == read


def _slide(number: int, *blocks: str) -> Page:
    """A 400x300 slide whose blocks stand one under the other, the first in the top band when there are
    three (the navigation bar)."""
    top = 0.0 if len(blocks) == 3 else 40.0
    boxes = [(0.0, top + 40.0 * i, 400.0, top + 40.0 * i + 20) for i in range(len(blocks))]
    return Page(
        doc_id="deck",
        doc="deck.pdf",
        page=number,
        image_path="",
        width=400,
        height=300,
        text="\n".join(blocks),
        text_source="layer",
        regions=[Region("text", box, block) for box, block in zip(boxes, blocks)],
        looks=[Look(box=None, kinds=("slide",))],
    )


def test_slide_titles_skip_the_navigation_repeated_on_every_slide():
    nav = "Introduction\nResults\nSummary"
    slides = [
        _slide(1, "A talk", "by someone"),
        _slide(2, nav, "Why it is hard", "three reasons"),
        _slide(3, nav, "What we found", "it is easy"),
        _slide(4, nav, "Open questions", "many"),
    ]
    titles = page_titles(slides)
    assert titles == ["A talk", "Why it is hard", "What we found", "Open questions"]
    own = _slide(5, nav, "body", "more")
    own.title = "Set in a large font"
    assert page_titles([*slides, own])[-1] == "Set in a large font"


def test_overlay_slides_fold_into_the_most_complete_one(tmp_path):
    bullets = [
        "Sorting networks compare fixed pairs of wires",
        "Depth grows with the square of log n",
        "Odd even merge sort builds one recursively",
    ]

    def slide(shown: int):
        def draw(page):
            page.insert_text((20, 30), "Sorting networks", fontsize=16)
            for n, bullet in enumerate(bullets[:shown]):
                page.insert_text((30, 70 + 25 * n), bullet, fontsize=11)

        return draw

    def other(page):
        page.insert_text((20, 30), "Merging networks", fontsize=16)
        page.insert_text(
            (30, 70), "A merging network of depth log n joins two sorted wires lists", fontsize=11
        )

    deck = make_pdf(tmp_path / "deck.pdf", [slide(1), slide(2), slide(3), other], size=(364, 273))
    with Library(tmp_path / "library", lanes=["text"], settings=settings(tmp_path)) as library:
        assert library.add([deck]).ok
        hits = library.search("sorting networks compare wires depth", k=2)
        assert [hit.page for hit in hits] == [
            3,
            4,
        ]  # pages 1-3 are one overlay run, page 4 gets the 2nd place
        assert hits[0].similar_pages == [1, 2]
        assert [hit.rank for hit in hits] == [1, 2]
    unfolded = settings(tmp_path).replace(fold_overlays=False)  # the ablation's switch
    with Library(tmp_path / "library", lanes=["text"], settings=unfolded) as library:
        hits = library.search("sorting networks compare wires depth", k=3)
        assert sorted(hit.page for hit in hits) == [1, 2, 3] and not any(hit.similar_pages for hit in hits)
