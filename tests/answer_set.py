"""A small answering evaluation set written from scratch, in the dev-set format (docs/, queries.jsonl,
answers.jsonl, conversations.jsonl), so a clone of the repository alone runs a real answering gate.

The document is a five-page appliance handbook made with PyMuPDF: running header and page number on every
page (page furniture that must never be quoted), facts in running text, and a table whose rows are read
with their header. Questions paraphrase the facts; the unanswerable ones share the handbook's vocabulary
but ask for something no page states.
"""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf

HEADER = "Kettle Handbook 2.1"
PAGES = [
    [
        "Filling the kettle",
        "Fill the kettle through the lid with cold water up to the MAX mark. Never fill it above 1.7 litres, "
        "or boiling water may spill from the spout.",
        "The water level window is on the left side of the handle, so you can check the level while pouring.",
    ],
    [
        "Boiling",
        "Press the switch at the base of the handle to start boiling; the blue ring lights up while it heats.",
        "The kettle switches itself off when the water boils. To stop heating early, lift the switch by hand.",
    ],
    [
        "Descaling",
        "In hard water areas descale the kettle every four weeks; in soft water areas every three months.",
        "Use a solution of one part white vinegar to two parts water, boil it once, leave it overnight and "
        "rinse the kettle twice with fresh water before use.",
    ],
    [
        "Cleaning the filter",
        "The limescale filter slides out of the spout when you push its tab upwards.",
        "Rinse the filter under the tap and brush it gently with a soft toothbrush. It may also go in a "
        "dishwasher, on the top rack only.",
    ],
    ["Indicator lights", "The ring around the switch tells you what the kettle is doing:", "TABLE"],
]
TABLE = [
    ("Light", "Meaning", "What to do"),
    ("Red blinking", "The kettle is empty", "Fill it with water"),
    ("Blue blinking", "The base is not connected", "Reseat the kettle on its base"),
    ("Orange steady", "The element is overheating", "Let it cool for ten minutes"),
]

QUERIES = [
    ("k01", "What is the most water I may put in the kettle?", 1, [["1.7"]]),
    ("k02", "How can I interrupt heating before the water boils?", 2, [["lift the switch"]]),
    ("k03", "How often should the kettle be descaled where the water is hard?", 3, [["four weeks"]]),
    ("k04", "What mixture do I boil to remove limescale?", 3, [["vinegar"]]),
    ("k05", "Can the limescale filter be washed in a dishwasher?", 4, [["top rack"]]),
    ("k06", "What does a red blinking light on the kettle mean?", 5, [["empty"]]),
    ("k07", "The light is orange and steady: what should I do?", 5, [["ten minutes"]]),
    ("k08", "Where can I see how much water is in the kettle?", 1, [["left side"]]),
]
UNANSWERABLE = [
    ("k09", "How long is the warranty on the kettle?"),
    ("k10", "How many watts does the kettle's heating element draw?"),
    ("k11", "Which colours is the kettle sold in?"),
]
CONVERSATIONS = [
    (
        "kc1",
        [
            ("How often should I descale the kettle in hard water areas?", 3, [["four weeks"]], "first"),
            ("And what should I use for it?", 3, [["vinegar"]], "followup"),
            ("What does a blue blinking light mean?", 5, [["not connected"]], "switch"),
            ("What should I do about it?", 5, [["reseat"]], "followup"),
        ],
    ),
    (
        "kc2",
        [
            ("How do I clean the limescale filter?", 4, [["rinse"]], "first"),
            ("Can it go in the dishwasher?", 4, [["top rack"]], "followup"),
            ("Where can I buy a replacement for it?", None, [], "unanswerable"),
        ],
    ),
]
DOC = "kettle-handbook.pdf"


def write_handbook(path: Path) -> Path:
    doc = pymupdf.open()
    for number, (title, *paragraphs) in enumerate(PAGES, start=1):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 40), f"{HEADER}    {number}", fontsize=9)
        page.insert_text((72, 110), title, fontsize=16)
        y = 140
        for paragraph in paragraphs:
            if paragraph == "TABLE":
                for row in TABLE:
                    for column, cell in enumerate(row):
                        page.insert_text((72 + 150 * column, y), cell, fontsize=11)
                    y += 20
                continue
            rect = pymupdf.Rect(72, y, 523, y + 120)
            page.insert_textbox(rect, paragraph, fontsize=11)
            y += 90
        page.insert_text((280, 815), f"Page {number}", fontsize=9)
    doc.save(path)
    doc.close()
    return path


def write_answer_set(root: Path) -> Path:
    """The set under `root` (docs/, queries.jsonl, answers.jsonl, conversations.jsonl); returns root."""
    (root / "docs").mkdir(parents=True, exist_ok=True)
    write_handbook(root / "docs" / DOC)
    queries = [
        {
            "qid": qid,
            "query": text,
            "answer": None,
            "gold": [{"doc": DOC, "page": page}],
            "evidence": None,
            "type": "text",
        }
        for qid, text, page, _ in QUERIES
    ]
    queries += [
        {"qid": qid, "query": text, "answer": None, "gold": [], "evidence": None, "type": "unanswerable"}
        for qid, text in UNANSWERABLE
    ]
    answers = [{"qid": qid, "must_contain": groups} for qid, _, _, groups in QUERIES]
    conversations = [
        {
            "cid": cid,
            "turns": [
                {
                    "query": text,
                    "gold": [{"doc": DOC, "page": page}] if page else [],
                    "evidence": None,
                    "must_contain": groups,
                    "kind": kind,
                }
                for text, page, groups, kind in turns
            ],
        }
        for cid, turns in CONVERSATIONS
    ]
    for name, records in (
        ("queries.jsonl", queries),
        ("answers.jsonl", answers),
        ("conversations.jsonl", conversations),
    ):
        (root / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return root
