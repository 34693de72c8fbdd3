"""The package's import graph: no loops, and no layer imports a layer above it.

Imports inside functions count too (a lazy import still ties two modules together). Layers, lowest first:
a module may import its own layer and those below. A top-level module not listed is an application face
(like the CLI) and sits on top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pagelens

PACKAGE = Path(pagelens.__file__).parent
LAYERS = [
    {"errors"},
    {
        "config",
        "types",
        "layout",
        "extras",
        "assets",
        "inputs",
        "storage",
        "furniture",
        "headings",
        "looks_vocab",
        "analysis",
        "semantic",
        "answer_backends",
        "language",
        "number_words",
        "compounds",
        "bilingual",
    },
    {"ingest"},
    {"index", "conversations"},
    {"lanes"},
    {"rag"},
    {"library"},
]
TOP = len(LAYERS)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """pagelens modules that `path` imports (absolute and relative, at any depth in the file)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("pagelens"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("pagelens"):
                target = node.module
            else:
                continue
            for alias in node.names:  # `from . import present` imports a module
                candidate = f"{target}.{alias.name}"
                found.add(candidate if _exists(candidate) else target)
    return {module for module in found if _exists(module)}


def _exists(module: str) -> bool:
    relative = Path(*module.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative / "__init__.py").is_file()


def layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    return next((rank for rank, names in enumerate(LAYERS) if top in names), TOP)


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path) - {module_name(path)} for path in PACKAGE.rglob("*.py")}


def test_no_module_imports_a_layer_above_its_own():
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph().items()
        for target in targets
        if layer(target) > layer(module)
    )
    assert upward == []


def test_no_import_loops():
    edges = graph()
    # a package's __init__ re-exporting its modules is not a loop with them
    edges = {
        m: {
            t
            for t in ts
            if not (t.startswith(m + ".") or m.startswith(t + ".") and t in edges and _is_package(t))
        }
        for m, ts in edges.items()
    }
    loops: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                loops.append(stack[stack.index(target) :] + [target])
            elif target not in state:
                visit(target, stack + [target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert loops == []


def _is_package(module: str) -> bool:
    return (PACKAGE / Path(*module.split(".")[1:]) / "__init__.py").is_file()


def test_the_checker_sees_imports(tmp_path):
    """The walk finds relative, absolute and function-level imports (else the tests above pass vacuously)."""
    edges = graph()
    assert "pagelens.index.laneset" in edges["pagelens.library"]
    assert "pagelens.rag.agent" in edges["pagelens.library"]  # imported inside Library.ask
    assert "pagelens.errors" in edges["pagelens.config"]
    assert layer("pagelens.cli") == TOP and layer("pagelens.errors") == 0
