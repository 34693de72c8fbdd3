"""Folding near-duplicate pages of one document in a result list: beamer overlays (pause, only, uncover)
make runs of slides that differ by a bullet or a drawing step, and five of them can fill a top 5.

Two hits are overlays of each other when they are pages of the same document at most `MAX_GAP` apart and
nearly all words of the shorter one are on the longer one (`CONTAINED`). A group of such hits shows as one
hit, in the place of its best-ranked member, showing the most complete page (most words; on a tie the
best-ranked, as overlays that add only a drawing step share their words); the other members stay
reachable in `Hit.similar_pages`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..types import Hit

CONTAINED = 0.9  # share of the shorter page's distinct words found on the longer one
MIN_WORDS = 5  # pages with fewer distinct words are never folded (a blank or title-only page says little)
MAX_GAP = 3  # pages further apart than this are not overlays of each other


def fold_overlays(hits: Sequence[Hit]) -> list[Hit]:
    """`hits` (best first) with overlay groups folded into one hit each, re-ranked from 1."""
    words = [frozenset(hit.text.lower().split()) for hit in hits]
    groups: list[list[int]] = []
    for i, hit in enumerate(hits):
        for group in groups:
            if any(_overlays(hit, words[i], hits[j], words[j]) for j in group):
                group.append(i)
                break
        else:
            groups.append([i])
    folded: list[Hit] = []
    for group in groups:
        shown = max(group, key=lambda j: (len(words[j]), -j))
        lead = hits[group[0]]
        others = sorted(hits[j].page for j in group if j != shown)
        folded.append(replace(hits[shown], score=lead.score, rank=len(folded) + 1, similar_pages=others))
    return folded


def _overlays(a: Hit, a_words: frozenset[str], b: Hit, b_words: frozenset[str]) -> bool:
    if a.doc_id != b.doc_id or abs(a.page - b.page) > MAX_GAP:
        return False
    shorter, longer = sorted((a_words, b_words), key=len)
    if len(shorter) < MIN_WORDS:
        return False
    return len(shorter & longer) >= CONTAINED * len(shorter)
