"""Lane names -> factories, imported lazily so a library that never uses a visual lane never imports torch.

A lane name is `<family>` or `<family>:<option>` ("clip:ViT-B-32/laion2b_s34b_b79k", "colpali:vidore/colqwen2-v1.0");
the family picks the factory, which receives the full name and parses its option.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from .lane import Lane, LaneContext

LaneFactory = Callable[[str, LaneContext], Lane]

_FACTORIES: dict[str, str | LaneFactory] = {
    "text": "pagelens.models.text:create_lane",
    "dse": "pagelens.models.dse:create_lane",
    "clip": "pagelens.models.clip:create_lane",
    "colpali": "pagelens.models.colpali:create_lane",
}


class UnknownLaneError(ValueError):
    pass


def register_lane(family: str, factory: str | LaneFactory) -> None:
    """Make `family` (and `family:<option>`) a lane name; factory is a callable or "module:function"."""
    _FACTORIES[family] = factory


def known_lanes() -> list[str]:
    return sorted(_FACTORIES)


def lane_names(lanes: Sequence[str] | str) -> list[str]:
    """Lane names in order, without repeats; any string may hold several ("text,dse")."""
    values = [lanes] if isinstance(lanes, str) else lanes
    return list(dict.fromkeys(name.strip() for value in values for name in value.split(",") if name.strip()))


def family(name: str) -> str:
    return name.split(":", 1)[0]


def create_lane(name: str, ctx: LaneContext) -> Lane:
    factory = _FACTORIES.get(family(name))
    if factory is None:
        raise UnknownLaneError(f"unknown lane {name!r}; known lanes: {', '.join(known_lanes())} "
                               "(a family may take an option, e.g. clip:<model>/<pretrained>)")
    if isinstance(factory, str):
        module_name, _, attr = factory.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as err:
            raise ImportError(f"lane {name!r} cannot be loaded ({err}); visual lanes need the 'visual' extra "
                              "(uv sync --all-extras)") from err
        factory = getattr(module, attr)
    return factory(name, ctx)


def lane_folder(library: Path, name: str) -> Path:
    """`<library>/lanes/<name with anything but [A-Za-z0-9._-] replaced>/` for a lane's side stores."""
    return library / "lanes" / re.sub(r"[^A-Za-z0-9._-]+", "_", name)
