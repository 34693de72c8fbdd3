"""Files shipped inside the package, so an installed wheel has them without the repository.

`SAMPLE_DIR`: the sample corpus the app loads into an empty library on first start (SOURCES.md there says
where each document comes from and under which licence it is redistributed).
"""

from __future__ import annotations

from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"


def sample_documents(folder: Path = SAMPLE_DIR) -> list[Path]:
    """The documents in a sample folder, sorted; its notes (*.md) are not documents."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() != ".md")
