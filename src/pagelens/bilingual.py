"""Bilingual dictionaries that install offline: FreeDict's dictd files (Debian `dict-freedict-eng-deu`,
`-deu-eng`, `-eng-fra`, `-fra-eng`, ...; `<folder>/freedict-<src>-<tgt>.index` + `.dict.dz`).

The dictd format: the `.index` lists `headword<TAB>offset<TAB>length` (offset and length in base 64,
`A-Za-z0-9+/`) into the uncompressed `.dict`; `.dict.dz` is dictzip, a gzip file that any gzip reader
inflates whole. An entry is the headword line, then its senses: one line each (`Frequenz <fem>,
Schwingungszahl <fem> [phys.]`, or numbered `1. exploration, investigation`), then examples, notes,
synonyms and cross-references, which are skipped. A headword with several index lines has that many
entries (the Ding-based English-German files give each sense its own).

A `Dictionary` maps a source word's stem (the text lane's analyser: `frequencies` and `frequency` are one
key) to its senses, each a tuple of target words or short phrases. Both directions are used: English to
French is `eng-fra` plus `fra-eng` read backwards (each has under 9,000 headwords; together they know
more; a big one such as `eng-deu`, 460k entries, is read alone). Parsing takes seconds for English-German,
so the first use on a machine writes the result to a SQLite file keyed by the files' sizes and times
(`Settings.dictionary_cache`); later processes open it in a millisecond and look words up in it.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sqlite3
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

from .analysis import stem
from .config import Settings
from .language import name

FORMAT = "1"  # of the cached pickles: a change re-parses the dictionaries
MAX_PHRASE_WORDS = 2  # longer translations ("nach Bodenschätzen suchen") are left out
ISO3 = {"en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "nl": "nld", "pt": "por"}
_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_TAGS = re.compile(r"<[^>]*>|\[[^\]]*\]|\([^)]*\)|\{[^}]*\}")
_NUMBERED = re.compile(r"^\s*\d+\.\s*")
_NOT_SENSE = ('"', "Synonym", "see:", "Note:", "Syn:", "Ant:")
_SEPARATORS = re.compile(r"[,;]")
_SENSE_BYTES = 400
BACKWARD_BELOW_BYTES = 2_000_000  # a forward .index smaller than this is merged with the backward one
_LOCK = threading.Lock()
_LOADED: dict[tuple[str, str, str, str], "Dictionary | None"] = {}


def package(source: str, target: str) -> str:
    """The Debian package holding the dictionary from `source` to `target` (ISO 639-1 codes)."""
    return f"dict-freedict-{ISO3.get(source, source)}-{ISO3.get(target, target)}"


class Dictionary:
    """Source stem (or two stems: `frequenc distribut`) -> senses, each a list of target words or short
    phrases, in a SQLite file (lookups are indexed; nothing is loaded into memory)."""

    def __init__(self, source: str, target: str, path: Path, files: tuple[str, ...]) -> None:
        self.source, self.target, self.files = source, target, files
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def lookup(self, keys: list[str]) -> dict[str, list[list[str]]]:
        """Senses of each of these keys the dictionary has."""
        if not keys:
            return {}
        with self._lock:
            rows = self._db.execute(
                f"SELECT key, value FROM senses WHERE key IN ({', '.join('?' * len(keys))})", keys
            ).fetchall()
        return {key: json.loads(value) for key, value in rows}


def _b64(text: str) -> int:
    value = 0
    for char in text:
        value = value * 64 + _B64[char]
    return value


def read_dictd(index: Path) -> Iterator[tuple[str, list[list[str]]]]:
    """(headword, senses) for each entry of a dictd dictionary (`<name>.index` beside `<name>.dict.dz`);
    a sense is its translations with grammar tags, domains and parentheses removed. Only an entry's first
    `_SENSE_BYTES` are read: its senses come right after the headword line, examples after them."""
    dict_path = index.with_suffix(".dict.dz")
    data = (
        gzip.decompress(dict_path.read_bytes())
        if dict_path.exists()
        else index.with_suffix(".dict").read_bytes()
    )
    for line in index.read_text(encoding="utf-8").split("\n"):
        fields = line.split("\t")
        if len(fields) < 3 or fields[0].startswith("00") or not fields[0].strip():
            continue  # dictd's own 00-database-* entries
        offset, length = _b64(fields[1]), _b64(fields[2])
        body = data[offset : offset + min(length, _SENSE_BYTES)].decode("utf-8", "ignore").split("\n")
        senses = []
        for sense_line in body[1:]:
            stripped = sense_line.strip()
            if not stripped or stripped.startswith(_NOT_SENSE):
                if senses or stripped:
                    break
                continue
            words = [
                " ".join(w.split()) for w in _SEPARATORS.split(_TAGS.sub(" ", _NUMBERED.sub("", stripped)))
            ]
            words = [w for w in words if w and w.count(" ") < MAX_PHRASE_WORDS]
            if words:
                senses.append(words)
        if senses:
            yield fields[0], senses


def _keys(headwords: set[str], language: str) -> dict[str, str]:
    """Each usable headword's lookup key: the stems of its one or two words (stemmed in one batch)."""
    usable = {h: h.lower().split() for h in headwords}
    usable = {
        h: w for h, w in usable.items() if 0 < len(w) <= 2 and all(x.replace("-", "").isalpha() for x in w)
    }
    words = sorted({w for ws in usable.values() for w in ws})
    stems = dict(zip(words, stem(words, language)))
    return {h: " ".join(stems[w] for w in ws) for h, ws in usable.items()}


def _build(
    source: str, target: str, forward: Path | None, backward: Path | None
) -> dict[str, list[list[str]]]:
    """Source key -> senses, from the forward file and the backward one read backwards (each source
    translation of a target headword gets that headword as a sense)."""
    pairs: list[tuple[str, list[str]]] = []
    if forward is not None:
        pairs += [(headword, sense) for headword, entry in read_dictd(forward) for sense in entry]
    if backward is not None:
        for headword, entry in read_dictd(backward):
            if headword.count(" ") < MAX_PHRASE_WORDS:
                pairs += [(translation, [headword]) for sense in entry for translation in sense]
    keys = _keys({headword for headword, _ in pairs}, source)
    senses: dict[str, list[list[str]]] = defaultdict(list)
    for headword, sense in pairs:
        key = keys.get(headword)
        if key is not None and sense not in senses[key]:
            senses[key].append(sense)
    return senses


def load(source: str, target: str, folders: list[Path], cache: Path | None) -> Dictionary | None:
    """The dictionary from `source` to `target` out of the dictd files in `folders` (either direction
    will do; both are merged), or None when neither is installed. Opened once per process; the first
    use on a machine parses the files into the cache (seconds for English-German)."""
    found: dict[str, Path] = {}
    for direction, (a, b) in (("forward", (source, target)), ("backward", (target, source))):
        for folder in folders:
            path = folder / f"freedict-{ISO3.get(a, a)}-{ISO3.get(b, b)}.index"
            if path.exists() and direction not in found:
                found[direction] = path
    if "forward" in found and found["forward"].stat().st_size > BACKWARD_BELOW_BYTES:
        found.pop("backward", None)  # a big dictionary knows enough; reading the other one doubles the cost
    marker = (source, target, os.pathsep.join(map(str, folders)), str(cache))
    with _LOCK:
        if marker not in _LOADED:
            _LOADED[marker] = _open(source, target, found, cache) if found else None
        return _LOADED[marker]


def _open(source: str, target: str, files: dict[str, Path], cache: Path | None) -> "Dictionary":
    stamp = "-".join(f"{p.stat().st_size}.{int(p.stat().st_mtime)}" for p in files.values())
    folder = cache if cache is not None else Path(tempfile.mkdtemp(prefix="pagelens-dictionary-"))
    path = folder / f"{source}-{target}-{stamp}-v{FORMAT}.sqlite"
    if not path.exists():
        senses = _build(source, target, files.get("forward"), files.get("backward"))
        folder.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.unlink(missing_ok=True)
        with closing(sqlite3.connect(temporary)) as db, db:
            db.execute("CREATE TABLE senses (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
            db.executemany(
                "INSERT INTO senses VALUES (?, ?)", ((k, json.dumps(v)) for k, v in senses.items())
            )
        temporary.replace(path)
    return Dictionary(source, target, path, tuple(str(p) for p in files.values()))


def dictionaries(settings: Settings) -> Callable[[str, str], "Dictionary | None"]:
    """The dictionary lookup the settings name (`Settings.dictionaries`, `Settings.dictionary_cache`)."""
    folders = [Path(folder).expanduser() for folder in settings.dictionaries]
    cache = None if settings.dictionary_cache == "off" else Path(settings.dictionary_cache).expanduser()
    return lambda source, target: load(source, target, folders, cache)


def missing_note(source: str, target: str) -> str:
    """What the search steps say when no dictionary translates `source` into `target`."""
    return (
        f"no {name(source)}–{name(target)} dictionary installed: install {package(source, target)} "
        f"(or {package(target, source)})"
    )
