"""Lane families: name -> factory and what the family is (open_clip's registry, as data).

A lane name is `<family>` or `<family>:<option>` ("clip:ViT-B-32/laion2b_s34b_b79k", "colpali:vidore/colqwen2-v1.0");
the family picks the factory, which receives the full name and parses its option. Factories are named as
"module:function" strings and imported on first use, so a library that never opens a visual lane never
imports torch. Each family declares the queries it takes (`inputs`), the optional extra its modules need
and the setting that holds its default model, so the app, the CLI and error messages ask the registry
instead of keeping their own lists.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .. import extras
from ..errors import UnknownLaneError
from ..index.lane import Lane, LaneContext

LaneFactory = Callable[[str, LaneContext], Lane]

TEXT, IMAGE, COMPOSED = "text", "image", "composed"  # query inputs a lane can take


@dataclass(frozen=True)
class LaneFamily:
    name: str
    factory: str | LaneFactory  # "module:function", imported on first use, or a callable
    inputs: frozenset[str] = frozenset({TEXT})
    extra: str | None = None  # the pyproject extra whose packages the lane imports ("visual")
    model_setting: str | None = None  # the Settings field with the default model of "<family>" alone

    @property
    def takes_images(self) -> bool:
        return IMAGE in self.inputs

    def installed(self) -> bool:
        """Whether the extra this family needs is installed (checked without importing it)."""
        return self.extra is None or extras.installed(self.extra)


_VISUAL = dict(inputs=frozenset({TEXT, IMAGE, COMPOSED}), extra="visual")
_FAMILIES: dict[str, LaneFamily] = {
    family.name: family
    for family in (
        LaneFamily("text", "pagelens.lanes.text.lane:create_lane"),
        LaneFamily("dse", "pagelens.lanes.visual.dse:create_lane", model_setting="dse_model", **_VISUAL),
        LaneFamily("clip", "pagelens.lanes.visual.clip:create_lane", model_setting="clip_model", **_VISUAL),
        LaneFamily(
            "colpali",
            "pagelens.lanes.visual.colpali:create_lane",
            model_setting="colpali_model",
            inputs=frozenset({TEXT, IMAGE}),
            extra="visual",
        ),
    )
}


def register_lane(family: str | LaneFamily, factory: str | LaneFactory | None = None) -> None:
    """Make a family (and `family:<option>`) a lane name: a LaneFamily, or a name and its factory."""
    if not isinstance(family, LaneFamily):
        family = LaneFamily(family, factory)
    _FAMILIES[family.name] = family


def known_lanes() -> list[str]:
    return sorted(_FAMILIES)


def families() -> list[LaneFamily]:
    return [_FAMILIES[name] for name in known_lanes()]


def lane_names(lanes: Sequence[str] | str) -> list[str]:
    """Lane names in order, without repeats; any string may hold several ("text,dse")."""
    values = [lanes] if isinstance(lanes, str) else lanes
    return list(dict.fromkeys(name.strip() for value in values for name in value.split(",") if name.strip()))


def family_of(name: str) -> LaneFamily:
    """The family of lane `name`; UnknownLaneError naming the known ones."""
    found = _FAMILIES.get(name.split(":", 1)[0])
    if found is None:
        raise UnknownLaneError(
            f"unknown lane {name!r}; known lanes: {', '.join(known_lanes())} "
            "(a family may take an option, e.g. clip:<model>/<pretrained>)"
        )
    return found


def require_installed(name: str) -> LaneFamily:
    """The family of lane `name`, checked to be usable here without importing anything: UnknownLaneError,
    or MissingExtraError naming the command that installs the extra it needs."""
    family = family_of(name)
    if family.extra:
        extras.require(family.extra, f"lane {name!r}")
    return family


def create_lane(name: str, ctx: LaneContext) -> Lane:
    family = require_installed(name)
    factory = family.factory
    if isinstance(factory, str):
        module_name, _, attr = factory.partition(":")
        factory = getattr(importlib.import_module(module_name), attr)
    return factory(name, ctx)
