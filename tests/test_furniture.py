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
