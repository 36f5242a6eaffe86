"""No import circles in `src/intervene_rules`: a walk of every module's imports, and a plant.

Imports are read with `ast`, wherever they are written: at module level and inside
functions (a function-level import still ties the two modules together; it only hides the
circle from Python's loader). Only imports under `if TYPE_CHECKING:` are left out: they
never run, and the type checker resolves circles itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import intervene_rules

PACKAGE = Path(intervene_rules.__file__).parent
NAME = "intervene_rules"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node`, except the bodies of `if TYPE_CHECKING:`."""
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            yield from (n for c in child.orelse for n in _nodes(c))
        else:
            yield from _nodes(child)


def _imports(tree: ast.AST, here: str, is_package: bool) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(module, names taken from it) for every import statement."""
    for node in _nodes(tree):
        if isinstance(node, ast.Import):
            yield from ((a.name, ()) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = here.split(".") if is_package else here.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join([*pkg, base] if base else pkg)
            yield base, tuple(a.name for a in node.names)


def _targets(imports: Iterator[tuple[str, tuple[str, ...]]], modules: set[str]) -> Iterator[str]:
    for base, names in imports:
        subs = [f"{base}.{n}" for n in names if f"{base}.{n}" in modules]
        yield from subs
        # `from pkg import module` loads pkg/__init__ too, but as the package's own
        # business (it is how packages load); an edge to pkg is drawn only when a name
        # is taken from the package itself
        if len(subs) < len(names) or not names:
            yield base


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of this package it imports."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = _targets(_imports(tree, mod, path.name == "__init__.py"), set(files))
        graph[mod] = {t for t in found if t in files and t != mod}
    return graph


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a list of nodes (first repeated at the end), or None."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if colour.get(nxt, white) == grey:
                return [*stack[stack.index(nxt) :], nxt]
            if colour.get(nxt, white) == white:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = black
        return None

    for start in sorted(graph):
        if colour[start] == white:
            found = visit(start)
            if found:
                return found
    return None


def test_the_detector_finds_a_planted_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) is None


def test_the_walk_sees_function_level_imports_and_skips_type_checking(tmp_path: Path) -> None:
    code = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from intervene_rules.b import X\n"
        "def f():\n    from intervene_rules.c import Y\n"
        "from . import d\n"
    )
    modules = {"intervene_rules", "intervene_rules.b", "intervene_rules.c", "intervene_rules.d"}
    found = set(_targets(_imports(ast.parse(code), "intervene_rules.a", False), modules))
    assert "intervene_rules.c" in found
    assert "intervene_rules.d" in found
    assert "intervene_rules.b" not in found
    assert "intervene_rules" not in found  # `from . import d` takes a module, not a name


def test_the_walk_knows_the_package() -> None:
    graph = import_graph()
    assert "intervene_rules.engine.table" in graph["intervene_rules._evaluate"]
    assert "intervene_rules.ruleset.load" in graph["intervene_rules.ruleset.ruleset"]


def test_no_import_cycles_in_the_package() -> None:
    assert find_cycle(import_graph()) is None


# --- imports one way: every import between rooms goes down the ladder ---------------------

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"vocabulary", "location", "suggest", "durations", "_progress", "codes"}),
    frozenset({"words"}),
    frozenset({"fields", "errors", "explain", "explain_range"}),
    frozenset({"situation", "decision", "_validation"}),
    frozenset({"ruleset", "decision_range", "partial"}),
    frozenset({"engine"}),
    frozenset({"_evaluate", "decision_log"}),
    frozenset({"_evaluate_partial"}),
    frozenset({"timeline"}),
    frozenset({"review"}),
    frozenset({"batch"}),
    frozenset({"_evaluate_batch"}),
    frozenset({"__init__"}),
    frozenset({"analysis", "testing", "reference", "service", "roleplay", "audit"}),
    frozenset({"yaml_schemas"}),
    frozenset({"cli"}),
)
"""Rooms of the package from the bottom (the contract's words) to the top (the command)."""


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def upward_imports(graph: Mapping[str, set[str]]) -> list[str]:
    """Imports from a room to a room on its own level or above (a different room)."""
    level = {room: i for i, rooms in enumerate(LAYERS) for room in rooms}
    bad = []
    for a, targets in sorted(graph.items()):
        for b in sorted(targets):
            ra, rb = _room(a), _room(b)
            if ra != rb and level[rb] >= level[ra]:
                bad.append(f"{a} -> {b}")
    return bad


def test_every_room_is_on_the_ladder() -> None:
    rooms = {_room(m) for m in import_graph()}
    placed = set().union(*LAYERS)
    assert rooms <= placed, f"place these rooms in LAYERS: {sorted(rooms - placed)}"


def test_imports_go_one_way_down_the_ladder() -> None:
    assert upward_imports(import_graph()) == []


def test_an_upward_import_is_caught() -> None:
    planted = {"intervene_rules.engine.row": {"intervene_rules.analysis.space"}}
    assert upward_imports(planted) == [
        "intervene_rules.engine.row -> intervene_rules.analysis.space"
    ]
