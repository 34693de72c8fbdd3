"""How the text lane turns page text and queries into BM25 terms (`TextTerms`), one definition for the
pages it indexes (`prepare.py`) and the queries it searches (`lane.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...analysis import analyze_words
from ...language import DEFAULT
from ...types import Page
from .negation import negation_markers
from .params import TextLaneParams

Parts = Callable[[str], list[str]]  # a lowercased word's compound parts (compounds.py)


@dataclass(frozen=True)
class TextTerms:
    params: TextLaneParams

    def words(
        self, text: str, *, language: str = DEFAULT, query: bool = False, parts: Parts | None = None
    ) -> list[list[str]]:
        """Each word's terms: its own, then (with `word_parts`) its parts' (`analysis.analyze_words`): a
        code token's (`set_xlabel` -> set, xlabel) and a German compound's (`parts`, compounds.py)."""
        words = analyze_words(text, query=query, stemmed=self.params.stemming, language=language, parts=parts)
        return words if self.params.word_parts else [word[:1] for word in words]

    def page_terms(self, page: Page, text: str, parts: Parts) -> list[str]:
        """A page's BM25 terms in its language; a region in another language (a page mixing languages)
        adds its words analysed in that language too (its stems in the page's language are already in)."""
        terms = self.lexical_terms(text, self.words(text, language=page.language, parts=parts))
        for region in page.regions:
            if region.language and region.language != page.language:
                words = self.words(region.text, language=region.language, parts=parts)
                terms += [term for word in words for term in word]
        return terms

    def lexical_terms(
        self, text: str, words: list[list[str]] | None = None, *, query: bool = False
    ) -> list[str]:
        """BM25 terms of page text or a query: its words' terms (`words`, default `words(text)`), then
        negation markers (negation.py). In a query with `part_fallback`, a compound word gives its own
        term only: its parts score apart (`Snapshot.scores`)."""
        words = self.words(text, query=query) if words is None else words
        whole = query and self.params.part_fallback
        markers = negation_markers(text, query=query) if self.params.negation else []
        return [term for word in words for term in (word[:1] if whole else word)] + markers

    def with_figures(self, text: str, page: Page) -> str:
        """The page's text layer (or OCR) and the text read inside its raster figures."""
        figures = page.figure_text if self.params.figure_text else ""
        return f"{text}\n{figures}" if figures else text
