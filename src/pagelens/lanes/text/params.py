"""The text lane's parameters: every signal, each switchable, in one typed object (`TextLaneParams`)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import ClassVar

from ...config import Settings
from ...errors import SettingsError


@dataclass(frozen=True)
class TextLaneParams:
    """Every signal of the text lane, each switchable (`Settings.text_params`, e.g. `negation=0`; the
    ablation in bench/ablate_text_lane.py). Those read at index time (`INDEX_TIME`) are in the lane's
    spec, so changing one re-indexes the lane; the others act on the next query."""

    INDEX_TIME: ClassVar[tuple[str, ...]] = (
        "passage_words",
        "passage_stride",
        "furniture_weight",
        "negation",
        "figure_text",
        "stemming",
        "word_parts",
    )

    dense_weight: (
        float  # weight of the best passage cosine next to max-normalised BM25 (Settings.text_dense_weight)
    )
    k1: float = 1.5
    b: float = 0.5
    bigram_weight: float = 0.4  # BM25 over adjacent-term pairs, added to the unigram BM25 score
    passage_words: int = 80
    passage_stride: int = 80
    dense_passages: int = 200  # passages fetched from Chroma per query
    bm25_candidates: int = 100  # pages from BM25 considered for fusion (plus every page dense found)
    colour_weight: float = 0.3  # weight of the query's colour words' match (lanes/text/looks.py)
    kind_weight: float = 0.3  # weight of the share of the query's figure-kind words the page meets
    title_weight: float = 0.0  # weight of the share of query terms in the page's title line
    furniture_weight: float = 0.75  # term frequency of a running head's, foot's or page number's term
    # the no-match floor: when no page (in scope) holds any query term, pages are found by meaning alone
    # only if the best passage is at least this close (cosine); else the lane finds nothing and search says
    # "no page matches". Set on dev: unrelated queries score 0.13-0.26, a German question about an English
    # page 0.34; every dev query has a term match, so rankings with one are untouched.
    meaning_floor: float = 0.30
    negation: bool = True  # `not_<stem>` markers on pages and queries (negation.py)
    figure_text: bool = True  # text read inside raster figures is indexed with the page's text
    stemming: bool = True  # Snowball stems (off: lowercased words)
    word_parts: bool = True  # a compound token's parts (`set_xlabel` -> set, xlabel) are terms too
    # a question's words translated into the library's other languages (translation.py): the weight of a
    # translation every sense of its word gives (0: no translation), the exponent of the share of senses
    # giving it, and how many target terms a word keeps
    translation_weight: float = 0.8
    translation_sense_exponent: float = 0.5
    translation_terms: int = 12
    # the share of BM25 a page without a question's own term gets for that word as the page's language
    # stems it (`fuser` -> `fus` on a French page; translation.py; 0: off): 1, the same word counted once
    translation_respelled_weight: float = 1.0
    part_fallback: bool = True  # a query's compound word counts once (Snapshot.scores)
    # two adjacent query words the library writes as one ("user name" -> username: analysis.joined_words)
    # add that term at this weight (0: off)
    joined_weight: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "TextLaneParams":
        """The defaults above, `Settings.text_dense_weight`, then `Settings.text_params` by field name."""
        kinds = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(settings.text_params) - set(kinds))
        if unknown:
            raise SettingsError(
                f"setting text_params (PAGELENS_TEXT_PARAMS) names no text lane parameter {unknown}; "
                f"known: {', '.join(kinds)}"
            )
        cast = {"bool": bool, "int": int, "float": float}
        overrides = {name: cast[kinds[name]](value) for name, value in settings.text_params.items()}
        return replace(cls(dense_weight=settings.text_dense_weight), **overrides)
