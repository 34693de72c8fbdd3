"""What translating a question costs at 100k pages: the dictionary lookups and the BM25 scoring of the
translated terms, against the same search without them, in one run.

    nice .venv/bin/python bench/bench_translation.py [--pages 100000]

The library: `--pages` pre-analysed pages (bench_scale.py's synthetic pages: dev-like lengths, a Zipf
vocabulary) whose 30,000 words are real English and German stems, half and half (English headwords of
FreeDict's English-German dictionary and their German translations, shuffled), so translated terms have
postings as a real mixed library gives them. Queries: the English questions of the generated
three-language corpus (tests/multilingual_corpus.py), translated into German and French by the lane's
own code with the installed dictionaries (opened once before timing). Per query, times (wall and CPU):
`translate` alone, BM25 `scores` with and without the translated terms. Needs the FreeDict packages.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_scale import Clock, commit_synthetic, percentiles  # noqa: E402
from bench_search import VOCABULARY  # noqa: E402
from multilingual_corpus import QUESTIONS  # noqa: E402

from pagelens.analysis import analyze  # noqa: E402
from pagelens.bilingual import load  # noqa: E402
from pagelens.lanes.text.bm25_index import LexicalIndex  # noqa: E402
from pagelens.lanes.text.lane import TextLaneParams  # noqa: E402
from pagelens.lanes.text.segments import term_hashes  # noqa: E402
from pagelens.lanes.text.translation import expand  # noqa: E402

COMMIT = 50_000
DICTD = [Path("/usr/share/dictd")]


def vocabulary(dictionary) -> list[str]:
    """VOCABULARY real stems: English lookup keys and German stems of their first translations, shuffled."""
    rows = dictionary._db.execute("SELECT key, value FROM senses WHERE key NOT LIKE '% %' LIMIT 40000")
    english, german = set(), set()
    for key, value in rows:
        english.add(key)
        german.update(analyze(json.loads(value)[0][0], language="de"))
    words = sorted(english)[: VOCABULARY // 2] + sorted(german - english)[: VOCABULARY // 2]
    np.random.default_rng(5).shuffle(words)
    assert len(words) == VOCABULARY, len(words)
    return words


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100_000)
    args = parser.parse_args()
    cache = Path(os.path.expanduser("~/.cache/pagelens/dictionaries"))
    dictionary = {
        (s, t): load(s, t, DICTD, cache) for s, t in (("en", "de"), ("en", "fr"), ("de", "en"), ("fr", "en"))
    }
    if dictionary[("en", "de")] is None:
        sys.exit("install dict-freedict-eng-deu (scripts/setup.sh does)")
    words = vocabulary(dictionary[("en", "de")])
    params = TextLaneParams(dense_weight=0.0)
    with tempfile.TemporaryDirectory(prefix="pagelens-translation-") as folder:
        index = LexicalIndex(Path(folder), k1=params.k1, b=params.b)
        hashes = term_hashes(words)
        clock = Clock()
        for first in range(0, args.pages, COMMIT):
            commit_synthetic(index, first, min(COMMIT, args.pages - first), hashes, words, prefix="t")
        print(f"built {args.pages} pages in {clock.lap()[0]:.0f} s", file=sys.stderr)
        snapshot = index.snapshot()
        questions = [q.text for q in QUESTIONS if q.language == "en"]

        def translated(text: str):
            return expand(
                text,
                "en",
                ["en", "de", "fr"],
                lambda s, t: dictionary.get((s, t)),
                weight=params.translation_weight,
                sense_exponent=params.translation_sense_exponent,
                max_terms=params.translation_terms,
            )

        rows = {"translate": [], "scores": [], "scores+translation": []}
        cpu = {name: [] for name in rows}
        extra_terms = []
        for _ in range(3):  # three passes over the questions; the first warms the caches
            for text in questions:
                terms = analyze(text, query=True)
                for name in rows:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    if name == "translate":
                        expansion = translated(text)
                    elif name == "scores":
                        snapshot.scores(terms, params.bigram_weight)
                    else:
                        snapshot.scores(terms, params.bigram_weight, translated(text).terms)
                    rows[name].append(time.perf_counter() - start)
                    cpu[name].append(time.process_time() - start_cpu)
                extra_terms.append(len(expansion.terms))
        index.close()
    skip = len(questions)
    print(
        f"{snapshot.live_rows} pages, {len(questions)} questions x 2 timed passes, load {os.getloadavg()[0]:.1f}"
    )
    print(f"translated terms per question: median {int(np.median(extra_terms))}")
    for name in rows:
        wall, used = percentiles(rows[name][skip:]), percentiles(cpu[name][skip:])
        print(
            f"{name:20s} wall p50 {wall['p50_ms']:6.2f} ms p95 {wall['p95_ms']:6.2f}  CPU p50 {used['p50_ms']:6.2f} ms"
        )
    added = np.array(rows["scores+translation"][skip:]) - np.array(rows["scores"][skip:])
    print(f"{'added by translation':20s} wall p50 {1000 * float(np.median(added)):6.2f} ms")


if __name__ == "__main__":
    main()
