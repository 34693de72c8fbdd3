"""What a visual lane costs a page on a CPU, and the cheaper page resolution used when there is no GPU.

The measured table, owned here (docs/lanes.md prints it; bench/bench_encoders_real_size.py measures it):
each registry default built at full size with random weights, loaded through the lane's encoder, on the
project's 2-core CPU (2026-12-06, torch with 2 threads), CPU seconds to encode one page at
`MEASURED_PIXELS`. CLIP resizes every page to 224 x 224 whatever `max_pixels` is; the Qwen2-VL lanes
(dse, colpali) see `max_pixels / (28 * 28)` patches and cost at least in proportion to them (attention
grows faster), so the scaled figure is an upper bound below `MEASURED_PIXELS`.

`max_pixels` 0 (the default) means: a library keeps the resolution its visual lanes were indexed with
(a change would re-embed them); a new lane gets `GPU_MAX_PIXELS` where torch sees a GPU and
`CPU_MAX_PIXELS` (a quarter of the patches, a quarter or less of the time) on a CPU. Any other value
(`PAGELENS_MAX_PIXELS`) is used as it is. Token pooling is not made coarser on a CPU: it shrinks what is
stored and reranked, not the encoding, which is what a CPU pays for (factor 3 is the measured default).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ...config import Settings
from ..registry import family_of

PATCH = 28 * 28  # pixels of one Qwen2-VL image token (14 x 14 patches merged 2 x 2)
MEASURED_PIXELS = 1024 * PATCH
GPU_MAX_PIXELS = 1024 * PATCH
CPU_MAX_PIXELS = 256 * PATCH
CPU_SECONDS_A_PAGE = {"clip": 0.66, "dse": 194.0, "colpali": 237.0}  # the family's default checkpoint
FIXED_SIZE = frozenset({"clip"})  # families whose encoder resizes every page to one size


@dataclass(frozen=True)
class PageCost:
    """The measured cost of one page for a lane at the settings' resolution, on this machine's cores."""

    lane: str
    cpu_seconds: float
    cores: int

    @property
    def seconds(self) -> float:
        """Wall seconds a page with every core busy (the measured run used 2 threads on 2 cores)."""
        return self.cpu_seconds / self.cores


def page_cost(lane: str, settings: Settings) -> PageCost | None:
    """The measured cost for `lane` at `settings.max_pixels`; None for a checkpoint not in the table."""
    family = family_of(lane)
    default_model = getattr(Settings(), family.model_setting) if family.model_setting else None
    option = lane.partition(":")[2]
    model = option or (getattr(settings, family.model_setting) if family.model_setting else None)
    if family.name not in CPU_SECONDS_A_PAGE or model != default_model:
        return None
    scale = 1.0 if family.name in FIXED_SIZE else settings.max_pixels / MEASURED_PIXELS
    cores = len(os.sched_getaffinity(0))
    return PageCost(lane, CPU_SECONDS_A_PAGE[family.name] * scale, cores)


def on_cpu(settings: Settings) -> bool:
    """Whether the visual lanes run on a CPU. Without torch installed, yes: the lane itself then refuses to
    open with the install command for the `visual` extra, which this check must not pre-empt."""
    if importlib.util.find_spec("torch") is None:
        return True
    from .loading import resolve_device

    return resolve_device(settings.device) == "cpu"


def estimated_seconds(lane: str, settings: Settings) -> float | None:
    """Wall seconds a page for `lane` on this CPU from the table; None with a GPU or an unmeasured model."""
    cost = page_cost(lane, settings)
    return cost.seconds if cost is not None and on_cpu(settings) else None


def resolve_max_pixels(settings: Settings, lanes: Sequence[str], stored: Mapping[str, dict]) -> int:
    """The page resolution for these lanes (module docstring); `stored`: lane name -> its stored spec.
    Torch is imported only when a visual lane is among `lanes` and nothing decided the value before."""
    if settings.max_pixels:
        return settings.max_pixels
    remembered = [stored[name]["max_pixels"] for name in lanes if "max_pixels" in stored.get(name, {})]
    if remembered:
        return int(remembered[0])
    if not any(family_of(name).extra == "visual" for name in lanes):
        return GPU_MAX_PIXELS  # no visual lane: the answerer's image size (rag/transformers_vlm.py)
    return CPU_MAX_PIXELS if on_cpu(settings) else GPU_MAX_PIXELS
