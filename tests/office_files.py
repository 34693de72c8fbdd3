"""Office documents written by the tests themselves: OOXML through python-docx / python-pptx / openpyxl,
OpenDocument and RTF by hand (the smallest packages LibreOffice opens)."""

from __future__ import annotations

import zipfile
from pathlib import Path

_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2"'
)
_ODF_BODIES = {
    "odt": ("text", "<office:text>{paragraphs}</office:text>"),
    "ods": (
        "spreadsheet",
        '<office:spreadsheet><table:table table:name="Sheet1">{cells}</table:table></office:spreadsheet>',
    ),
    "odp": (
        "presentation",
        '<office:presentation><draw:page draw:name="p1"><draw:frame svg:x="2cm" svg:y="2cm" '
        'svg:width="20cm" svg:height="10cm"><draw:text-box>{paragraphs}</draw:text-box>'
        "</draw:frame></draw:page></office:presentation>",
    ),
}


def write_odf(path: Path, fmt: str, lines: list[str], *, extra_body: str = "") -> Path:
    """An OpenDocument text, spreadsheet or presentation holding `lines` (one paragraph/cell each)."""
    kind, template = _ODF_BODIES[fmt]
    paragraphs = "".join(f"<text:p>{line}</text:p>" for line in lines) + extra_body
    cells = "".join(
        f'<table:table-row><table:table-cell office:value-type="string"><text:p>{line}</text:p>'
        "</table:table-cell></table:table-row>"
        for line in lines
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}><office:body>'
        f"{template.format(paragraphs=paragraphs, cells=cells)}</office:body></office:document-content>"
    )
    mimetype = f"application/vnd.oasis.opendocument.{kind}"
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
        'opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # first and stored, as the spec asks
        package.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        package.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_docx(path: Path, lines: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(lines[0], level=1)
    for line in lines[1:]:
        document.add_paragraph(line)
    document.save(path)
    return path


def write_pptx(path: Path, lines: list[str]) -> Path:
    import pptx

    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = lines[0]
    slide.placeholders[1].text = "\n".join(lines[1:])
    deck.save(path)
    return path


def write_xlsx(path: Path, lines: list[str]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    for row, line in enumerate(lines, start=1):
        book.active.cell(row=row, column=1, value=line)
    book.save(path)
    return path


def write_rtf(path: Path, lines: list[str]) -> Path:
    path.write_text("{\\rtf1\\ansi " + "".join(f"{line}\\par " for line in lines) + "}")
    return path


WRITERS = {
    "docx": write_docx,
    "pptx": write_pptx,
    "xlsx": write_xlsx,
    "rtf": write_rtf,
    **{fmt: (lambda fmt: lambda path, lines: write_odf(path, fmt, lines))(fmt) for fmt in _ODF_BODIES},
}


def write_office(path: Path, lines: list[str]) -> Path:
    """A document of the format its suffix names, holding `lines`."""
    return WRITERS[path.suffix.lstrip(".")](path, lines)
