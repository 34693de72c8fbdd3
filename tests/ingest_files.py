"""Hostile and odd input files for the ingestion tests, written from scratch (no fixtures on disk)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def write_pdf(
    path: Path,
    page_contents: list[bytes],
    *,
    size: tuple[float, float] = (612, 792),
    extra_objects: list[bytes] = (),
    page_resources: bytes = b"<<>>",
) -> Path:
    """A minimal, valid PDF (correct xref) with one page per content stream; zero pages is allowed."""
    objects: list[bytes] = []
    n = len(page_contents)
    first_page = 3 + len(extra_objects)
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(n))
    objects.append(b"<</Type/Catalog/Pages 2 0 R>>")
    objects.append(b"<</Type/Pages/Kids[%s]/Count %d>>" % (kids, n))
    objects.extend(extra_objects)
    for i, content in enumerate(page_contents):
        objects.append(
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 %g %g]/Resources %s/Contents %d 0 R>>"
            % (size[0], size[1], page_resources, first_page + 2 * i + 1)
        )
        objects.append(b"<</Length %d>>stream\n%s\nendstream" % (len(content), content))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def text_content(text: str, *, x: float = 72, y: float = 700, size: float = 12) -> bytes:
    return b"BT /F1 %g Tf %g %g Td (%s) Tj ET" % (size, x, y, text.encode("latin-1"))


FONT_RESOURCES = b"<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>"


def write_png_bomb(path: Path, side: int) -> Path:
    """A 1-bit greyscale PNG of side x side pixels, all white, that is tiny on disk (zlib of zeros)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + b"\xff" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
    return path


def hanging_pdf(path: Path) -> Path:
    """One page that renders for minutes: a tiling pattern with a 0.005 pt step makes MuPDF paint ~2e10
    tiles (the cost grows with 1/step^2: 2 CPU-s at 0.1 pt, some 800 CPU-s here), far beyond any limit or
    wall bound a test sets, even on a busy machine."""
    pattern = (
        b"<</Type/Pattern/PatternType 1/PaintType 1/TilingType 1/BBox[0 0 0.005 0.005]/XStep 0.005"
        b"/YStep 0.005/Resources<<>>/Length 19>>stream\n0 0 0.01 0.01 re f\nendstream"
    )
    return write_pdf(
        path,
        [b"/Pattern cs /P1 scn 0 0 612 792 re f"],
        extra_objects=[pattern],
        page_resources=b"<</Pattern<</P1 3 0 R>>>>",
    )
