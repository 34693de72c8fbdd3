"""Page furniture (furniture.py) on pages built in memory: what repeats in a page's top or bottom band."""

from pagelens.furniture import Furniture
from pagelens.types import Page, Region

HEIGHT = 1500


def _page(number: int, header: str) -> Page:
    body = ["Options", "Signals", "Exit status", "Files", "Examples", "See also"][number] + " of the manual."
    regions = [
        Region("text", (128, 72, 962, 89), header),
        Region("text", (128, 300, 962, 340), body),
    ]
    return Page("d", "manual.pdf", number, "", 1000, HEIGHT, f"{header}\n{body}", "layer", regions)


def test_a_running_header_whose_fields_are_set_apart_by_spaces_is_furniture():
    """groff sets a manual page's header as three fields padded with spaces to the page's width
    ("start-stop-daemon(8)", "dpkg suite", "start-stop-daemon(8)"): well over MAX_FURNITURE_CHARS as
    extracted, a short line as read."""
    header = "kill(1)" + " " * 70 + "User Commands" + " " * 70 + "kill(1)"
    pages = [_page(n, header) for n in range(1, 6)]
    furniture = Furniture.of(pages)
    assert furniture.region_is_furniture(header, pages[0].regions[0].box)
    assert not furniture.region_is_furniture(pages[0].regions[1].text, pages[0].regions[1].box)


def _book(chapters: list[tuple[str, int]]) -> list[Page]:
    """A book's pages, each headed by its chapter's name and its page number ("Chapter 2: Signals 7")."""
    pages = []
    for chapter, (title, count) in enumerate(chapters, 1):
        for _ in range(count):
            pages.append(_page(len(pages) % 6, f"Chapter {chapter}: {title} {len(pages) + 1}"))
    return pages


def test_a_chapters_numbered_running_head_is_furniture_though_most_pages_have_another():
    """A book's running head names the chapter and the page: on each of the chapter's pages, a share of the
    book's pages too small for the share rule, it repeats with its page number; a line in the band that
    repeats as often without a number is content (a short table's header, say)."""
    pages = _book([("Signals", 3), ("Exit status", 4), ("Files", 5)])
    furniture = Furniture.of(pages)
    head = pages[0].regions[0]
    assert furniture.region_is_furniture(head.text, head.box)
    unnumbered = [
        _page(n % 6, "Options and signals") if n < 3 else _page(n % 6, f"Part {n}") for n in range(12)
    ]
    again = Furniture.of(unnumbered)
    assert not again.region_is_furniture("Options and signals", unnumbered[0].regions[0].box)
