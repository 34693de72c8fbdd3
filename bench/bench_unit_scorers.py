"""Answer-unit scorers side by side on an evaluation set (issue 18 item 3): the similarity term of a candidate's
score (extractive.py's `unit_similarity`, weight `w_sim`) from wordllama as shipped, or from all-MiniLM-L6-v2
(pagelens.semantic, numpy): `cand` the candidate's own cosine with the question, `unit` the cosine of its
whole unit (the group it is quoted in, under its subject), `maxsim` the best cosine over the unit's sentences
and its subject line. Each scorer asks every query of the set once (no conversations, the same library) and
reports correct answers and "answer right given the right page among the top 3 hits".

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_unit_scorers.py ../shared/eval/dev /tmp/dev \\
        --scorers wordllama,cand,maxsim
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from pagelens import Library, Settings, semantic
from pagelens.eval.ask_eval import run_ask_eval
from pagelens.rag import extractive

SCORERS = ("wordllama", "cand", "unit", "maxsim")


class MiniLMScorer:
    """`unit_similarity` with all-MiniLM-L6-v2; vectors cached by text across questions."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.vectors: dict[str, np.ndarray] = {}

    def _encode(self, texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if new:
            self.vectors.update(zip(new, semantic.encoder().encode(new)))
        return np.stack([self.vectors[t] for t in texts])

    def __call__(self, question: str, structures, languages=(), gloss=None) -> dict[str, float]:
        if not question.strip():
            return {}
        work = []
        for structure in structures:
            for unit in structure.units:
                group = structure.group_of(unit)
                if self.kind == "cand" or group is None:
                    work.append((unit.text, [unit.text]))
                elif self.kind == "unit":
                    work.append((unit.text, [" ".join(x for x in (group.subject, group.text) if x)]))
                else:
                    work.append((unit.text, [*group.pieces, *([group.subject] if group.subject else [])]))
        texts = sorted({t for _, ts in work for t in ts})
        if not texts:
            return {}
        cosine = dict(zip(texts, self._encode(texts) @ self._encode([question])[0]))
        best: dict[str, float] = {}
        for text, scored in work:
            best[text] = max(best.get(text, -1.0), float(max(cosine[t] for t in scored)))
        return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set_dir")
    parser.add_argument("library", help="a library folder holding the set's documents (added if empty)")
    parser.add_argument("--scorers", default="wordllama,cand,maxsim")
    args = parser.parse_args()
    shipped = extractive.unit_similarity
    settings = Settings.from_env(library=Path(args.library), lanes=["text"], llm_backend="extractive")
    with Library(args.library, settings=settings) as library:
        if not library.documents():
            library.add(sorted((Path(args.set_dir) / "docs").iterdir()), progress=False)
        for name in args.scorers.split(","):
            if name not in SCORERS:
                raise SystemExit(f"unknown scorer {name!r}; one of {', '.join(SCORERS)}")
            # the scorer under test replaces the shipped one for this run only
            extractive.unit_similarity = shipped if name == "wordllama" else MiniLMScorer(name)
            wall, cpu = time.perf_counter(), time.process_time()
            report = run_ask_eval(args.set_dir, library=library, conversations=False)
            print(
                f"{name:<10} correct {report.correct}/{report.answerable}, right given the page "
                f"{report.given_page_correct}/{report.given_page} ({report.right_given_page:.3f}), answered "
                f"{report.answered}, abstained {report.abstained}/{report.unanswerable}; "
                f"{time.perf_counter() - wall:.0f} s wall, {time.process_time() - cpu:.0f} s CPU, "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    extractive.unit_similarity = shipped


if __name__ == "__main__":
    main()
