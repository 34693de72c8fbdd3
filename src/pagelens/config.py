"""All settings in one typed place. Every field can be set by an env var `PAGELENS_<FIELD>`.

`Settings.from_env(**overrides)` reads the environment, then applies keyword overrides (the CLI and the
API pass theirs this way). Lists are comma-separated in env vars. Options with a fixed set of values are
`Literal`s, checked when a `Settings` is built: a typo fails at start with the allowed values, not later
inside a sandboxed child. The defaults here are the only ones: the parameter objects built from settings
(`FdeConfig`, `PdvWeights`, `TextLaneParams`, the app's prefs) take theirs from a `Settings`.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from . import answer_backends
from .errors import SettingsError

ENV_PREFIX = "PAGELENS_"

OcrEngine = Literal["rapidocr", "tesseract", "off"]
HtmlRenderer = Literal["mupdf", "chromium"]
LlmBackend = Literal[answer_backends.NAMES]  # the registry's names (answer_backends.py)
LlmImages = Literal["auto", "on", "off"]
Device = Literal["auto", "cpu", "cuda"]
TokenDtype = Literal["float16", "int8"]  # how the colpali lane stores page tokens


@dataclass
class Settings:
    # library
    library: Path = Path("pagelens-library")
    lanes: list[str] = field(default_factory=lambda: ["text"])
    chroma_url: str = ""  # empty: embedded PersistentClient in <library>/chroma; else http://host:port

    # ingestion
    render_long_side: int = 1500  # pixels of the long side of a page screenshot
    max_file_bytes: int = 512 * 1024 * 1024
    max_pages_per_file: int = 2000
    max_page_pixels: int = 64_000_000  # source image pixels accepted (decompression bombs above)
    file_timeout_s: float = 600.0  # wall clock for rendering one file in the sandbox
    page_timeout_s: float = 60.0  # wall clock for one page, and extra granted to the file per page
    file_max_s: float = 1200.0  # the most one file (or page range) may hold a worker, whatever its page count
    min_pages_per_s: float = 0.05  # slower than this (after page_timeout_s) is a pathological file, stopped
    memory_cap_mb: int = 3072  # address-space cap of the rendering child process
    ocr: OcrEngine = (
        "tesseract"  # tesseract (apt tesseract-ocr; ~4x less CPU here) | rapidocr (no install) | off
    )
    ocr_langs: list[str] = field(default_factory=lambda: ["eng"])  # tesseract codes: eng, deu, chi_sim, ...
    ocr_min_chars: int = 20  # a text layer shorter than this counts as missing -> OCR
    ocr_figures: bool = True  # OCR large raster images on pages with a text layer too (ingest/figure_text.py)
    ocr_cache: str = (
        "~/.cache/pagelens/ocr"  # OCR results by page-image hash (OCR is seconds/page); "off": none
    )
    html_renderer: HtmlRenderer = "mupdf"  # mupdf: no JS, no network; chromium: Playwright, network blocked
    soffice: str = ""  # LibreOffice for Office files; empty: /usr/bin/soffice, else soffice on PATH
    looks: bool = True  # colours, figure kinds, titles from pixels (ingest/looks.py); off saves ~15%
    layout: bool = False  # PyMuPDF layout model for region classes (~2 s/page here); off: text/image blocks
    follow_links: bool = False  # add/sync: follow a link in a folder to a file outside it (else refused)
    # sandboxed rendering processes, files and page ranges spread over them: one per core, at most 8 (each
    # holds PyMuPDF and, with rapidocr, its models: ~300 MB)
    workers: int = field(default_factory=lambda: min(8, len(os.sched_getaffinity(0))))

    # search
    k: int = 10
    fusion_weights: dict[str, float] = field(default_factory=dict)  # lane name -> RRF weight
    rrf_k: int = 60
    max_query_chars: int = 2000  # longer queries are cut here (with a warning) before reaching the lanes
    text_dense_weight: float = (
        0.15  # text lane: weight of wordllama passage cosine next to BM25 (0 = BM25 only)
    )
    # text lane: its other parameters by name (lanes/text/lane.py TextLaneParams), e.g. "b=0.75,negation=0"
    text_params: dict[str, float] = field(default_factory=dict)
    fold_overlays: bool = True  # near-identical slides of a deck show as one hit (index/overlays.py)
    # bilingual dictionaries (FreeDict dictd files, Debian dict-freedict-*) for questions in another language
    # than the pages; the cache holds each pair's parsed lookup table (seconds to build, once per machine)
    dictionaries: list[str] = field(default_factory=lambda: ["/usr/share/dictd"])
    dictionary_cache: str = "~/.cache/pagelens/dictionaries"

    # visual lanes
    dse_model: str = "MrLight/dse-qwen2-2b-mrl-v1"
    dse_dim: int = 1536
    # page resolution of the visual lanes; 0: what the library's lanes were indexed with, else 1024 x 28 x 28
    # with a GPU and 256 x 28 x 28 on a CPU (lanes/visual/cost.py)
    max_pixels: int = 0
    clip_model: str = "ViT-B-32/laion2b_s34b_b79k"
    colpali_model: str = "vidore/colqwen2-v1.0"
    device: Device = "auto"
    batch_size: int = 4
    pdv_alpha_text: float = 1.2
    pdv_alpha_image: float = 1.2
    pdv_beta: float = 0.7
    # colpali lane: MUVERA encodings in Chroma find candidates, exact MaxSim over sidecar tokens reranks them
    muvera_k_sim: int = 4  # SimHash bits: 2**k_sim partitions per repetition
    muvera_d_proj: int = 16  # projected size of each token inside a partition
    muvera_reps: int = 20  # repetitions (FDE size = reps * 2**k_sim * d_proj)
    colpali_candidates: int = 200  # FDE candidates reranked exactly per query
    # colpali lane's stored page tokens (lanes/visual/token_codes.py): Ward-pooled to 1/factor of the tokens,
    # as int8 codes with a per-vector scale or float16. 3 + int8: 1/5.9 of the bytes of every token in
    # float16, recall@10 0.98 of exact MaxSim on synthetic pages (bench/bench_token_codes.py); token pooling's
    # authors report factor 3 keeps ~97% of ColPali's nDCG on real pages, with larger losses beyond it
    colpali_pool_factor: int = 3
    colpali_token_dtype: TokenDtype = "int8"

    # answering
    llm_backend: LlmBackend = answer_backends.EXTRACTIVE
    llm_base_url: str = "http://127.0.0.1:8000/v1"
    llm_model: str = ""
    llm_api_key: str = ""  # sent to llm_base_url only, never to another endpoint the app may be switched to
    llm_allowed_urls: list[str] = field(
        default_factory=list
    )  # endpoints the app's users may pick; empty: llm_base_url
    llm_timeout_s: float = 60.0
    llm_images: LlmImages = "auto"  # auto: send page images, fall back to text if refused
    llm_max_tokens: int = 512  # answer length cap for the LLM backends
    vlm_model: str = "Qwen/Qwen2-VL-2B-Instruct"
    agent_read_pages: int = 4  # pages shown to an LLM answerer (the extractive one reads all gathered)
    agent_max_steps: int = 4
    agent_time_budget_s: float = 120.0
    # the extractive answerer abstains below this evidence confidence (chosen on the dev set with the
    # answer-kind factors, rag/answer_kind.py, and the abstention signals, rag/abstain.py; `pagelens eval
    # DIR --ask` prints the answered/abstained trade-off around it and cross-validates it)
    answer_min_confidence: float = 0.08

    # app
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str = ""  # "user:password[:role],..." enables Gradio auth with roles (ui/security.py)
    anonymous_role: str = "editor"  # role of every client when auth is off: reader | editor | admin
    allowed_hosts: list[str] = field(
        default_factory=list
    )  # Host names answered; empty: bind address + localhost
    # requests the app serves at once (searches, questions, page views; adds, removes and settings run one
    # at a time whatever this is); 0: sized to the machine, 2 per core between 2 and 32 (ui/server.py)
    app_concurrency: int = 0
    max_upload_mb: int = 200
    max_uploads_mb: int = 4096  # all of <library>/uploads together; a drop beyond it is refused per file

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):
            allowed = choices(hints[f.name])
            if allowed and getattr(self, f.name) not in allowed:
                raise SettingsError(
                    f"setting {f.name} ({ENV_PREFIX}{f.name.upper()}) must be one of "
                    f"{', '.join(allowed)}, not {getattr(self, f.name)!r}"
                )
        for name in (
            "k",
            "workers",
            "render_long_side",
            "max_query_chars",
            "batch_size",
            "colpali_pool_factor",
        ):
            if getattr(self, name) < 1:
                raise SettingsError(
                    f"setting {name} ({ENV_PREFIX}{name.upper()}) must be at least 1, "
                    f"not {getattr(self, name)!r}"
                )

    @classmethod
    def from_env(cls, environ: typing.Mapping[str, str] | None = None, **overrides) -> "Settings":
        environ = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _parse(raw, hints[f.name], f.name)
        unknown = set(overrides) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise SettingsError(f"unknown settings: {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.library = Path(settings.library)
        return settings

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)


def choices(hint: object) -> tuple[str, ...]:
    """The allowed values of a `Literal` setting type; () for any other type."""
    return typing.get_args(hint) if typing.get_origin(hint) is Literal else ()


def _parse(raw: str, hint: object, name: str) -> object:
    if choices(hint):
        return raw.strip().lower()  # checked against the choices when the Settings is built
    try:
        if hint is bool:
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if hint in (int, float, str):
            return hint(raw)  # type: ignore[operator]
        if hint is Path:
            return Path(raw).expanduser()
        origin = typing.get_origin(hint)
        if origin is list:
            return [part.strip() for part in raw.split(",") if part.strip()]
        if origin is dict:
            pairs = (part.split("=", 1) for part in raw.split(",") if part.strip())
            return {key.strip(): float(value) for key, value in pairs}
    except ValueError as err:
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {hint}") from err
    raise TypeError(f"no parser for setting {name} of type {hint}")
