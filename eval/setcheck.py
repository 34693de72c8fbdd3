"""Check an evaluation set (eval/xl, eval/nm: rendered manual pages; eval/hd: HTML) against its pages.

Each set's check.py calls check(its folder), after its build.py has filled docs/; a set whose documents
are not PDFs passes the text of each document's pages (eval/hd: pagelens' own HTML layout). It checks
what the dev set's README asks of a set (keys as there): unique ids; every gold page exists; every
evidence phrase (5-12 words) occurs, whitespace collapsed, on the FIRST listed gold page;
unanswerable queries have gold [], answer and evidence null; answers.jsonl has one entry for each
answerable query and the reference answer satisfies its must_contain (lower-cased substring, whitespace
collapsed, the scoring's rule); conversations start with a `first` turn and unanswerable turns have
gold [], evidence null and must_contain [].
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pymupdf

QUERY_KEYS = {"qid", "query", "answer", "gold", "evidence", "type"}
TURN_KEYS = {"query", "gold", "evidence", "must_contain", "kind"}
KINDS = {"first", "followup", "switch", "unanswerable"}


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def satisfies(answer: str, must_contain: list[list[str]]) -> bool:
    text = collapse(answer).lower()
    return all(any(collapse(alt).lower() in text for alt in group) for group in must_contain)


def pdf_pages(docs: Path) -> dict[str, list[str]]:
    """The text of each page of every PDF in docs/, by file name."""
    pages = {}
    for pdf in sorted(docs.glob("*.pdf")):
        with pymupdf.open(pdf) as doc:
            pages[pdf.name] = [p.get_text() for p in doc]
    return pages


def check(set_dir: Path, page_texts: Mapping[str, Sequence[str]] | None = None) -> None:
    """Print every problem of the set in set_dir and a summary; exit 1 when there is any. page_texts: each
    document's page texts by name (default: the PDFs in docs/)."""
    problems: list[str] = []
    raw = pdf_pages(set_dir / "docs") if page_texts is None else page_texts
    pages = {name: [collapse(text) for text in texts] for name, texts in raw.items()}
    if not pages:
        sys.exit(f"check: {set_dir / 'docs'} is empty: run {set_dir / 'build.py'} first")

    def check_item(where: str, gold: list[dict], evidence: str | None, answerable: bool) -> None:
        if not answerable:
            if gold or evidence is not None:
                problems.append(f"{where}: unanswerable with gold or evidence")
            return
        for g in gold:
            if g["doc"] not in pages or not 1 <= g["page"] <= len(pages[g["doc"]]):
                problems.append(f"{where}: no page {g['page']} in {g['doc']}")
                return
        if not gold or evidence is None or not 5 <= len(evidence.split()) <= 12:
            problems.append(f"{where}: needs gold and a 5-12 word evidence phrase")
        elif collapse(evidence) not in pages[gold[0]["doc"]][gold[0]["page"] - 1]:
            problems.append(f"{where}: evidence not on {gold[0]['doc']} page {gold[0]['page']}: {evidence!r}")

    queries = [
        json.loads(line) for line in (set_dir / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    answers = {}
    for line in (set_dir / "answers.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if set(row) != {"qid", "must_contain"} or row["qid"] in answers:
            problems.append(f"answers {row.get('qid')}: bad keys or repeated")
        answers[row["qid"]] = row["must_contain"]
    seen: set[str] = set()
    for q in queries:
        qid = q.get("qid")
        if set(q) != QUERY_KEYS or qid in seen:
            problems.append(f"{qid}: bad keys or repeated qid")
            continue
        seen.add(qid)
        answerable = q["type"] != "unanswerable"
        check_item(qid, q["gold"], q["evidence"], answerable)
        if not answerable:
            if q["answer"] is not None or qid in answers:
                problems.append(f"{qid}: unanswerable with an answer or a must_contain")
        elif qid not in answers or not answers[qid] or not satisfies(q["answer"], answers[qid]):
            problems.append(f"{qid}: reference answer misses its must_contain")
    problems += [f"answers {qid}: no such answerable query" for qid in set(answers) - seen]

    cids: set[str] = set()
    for line in (set_dir / "conversations.jsonl").read_text(encoding="utf-8").splitlines():
        conv = json.loads(line)
        cid = conv["cid"]
        if cid in cids or not 2 <= len(conv["turns"]) <= 4:
            problems.append(f"{cid}: repeated cid or not 2-4 turns")
        cids.add(cid)
        for n, turn in enumerate(conv["turns"], 1):
            where = f"{cid} turn {n}"
            if set(turn) != TURN_KEYS or turn["kind"] not in KINDS or (turn["kind"] == "first") != (n == 1):
                problems.append(f"{where}: bad keys or kind")
                continue
            answerable = turn["kind"] != "unanswerable"
            check_item(where, turn["gold"], turn["evidence"], answerable)
            if answerable != bool(turn["must_contain"]):
                problems.append(f"{where}: must_contain must be empty exactly for unanswerable turns")

    for p in problems:
        print(p)
    n_ans = sum(q["type"] != "unanswerable" for q in queries)
    print(f"{len(queries)} queries ({n_ans} answerable), {len(cids)} conversations: {len(problems)} problems")
    sys.exit(1 if problems else 0)
