"""Imports point down: no two modules of the package import each other, not even inside a
function or under TYPE_CHECKING (STYLE.md, habit 11). Read with ast, nothing is imported."""

from __future__ import annotations

import ast
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("vae_transition", "ffmpeg_scripts")
# Modules (fnmatch patterns) that may be in no import pair; grow it as other pairs are untangled
# (adapt <-> cuts), until it covers the whole package.
CHECKED = ("vae_transition.*", "ffmpeg_scripts.*")
# The timeline modules sit below everything else in the package but the timecode helpers.
TIMELINE_MAY_IMPORT = ("vae_transition.timeline*", "vae_transition.timing")


def modules() -> dict[str, Path]:
    """'vae_transition.export' -> its file, for every module of PACKAGES (no __init__)."""
    return {f"{pkg}.{p.stem}": p for pkg in PACKAGES for p in sorted((ROOT / pkg).glob("*.py"))
            if p.stem != "__init__"}


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules `name` imports anywhere in its file (any depth, any branch)."""
    package = name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package if node.level else node.module or ""
            if node.level and node.module:
                base = f"{package}.{node.module}"
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)  # `from pkg import module`
    return {m for m in out if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imported(name, path, set(mods)) for name, path in mods.items()}


def mutual_pairs(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Every pair of modules that import each other, each pair once, sorted."""
    return sorted((a, b) for a, deps in graph.items() for b in deps
                  if a < b and a in graph.get(b, ()))


def matches(name: str, patterns) -> bool:
    return any(fnmatch(name, p) for p in patterns)


def test_import_graph_sees_lazy_and_type_checking_imports():
    graph = import_graph()
    assert "vae_transition.timeline" in graph["vae_transition.export"]  # inside functions
    assert "ffmpeg_scripts.probe" in graph["vae_transition.timeline"]  # under TYPE_CHECKING
    assert mutual_pairs({"a": {"b"}, "b": {"a", "c"}, "c": set()}) == [("a", "b")]


def test_checked_modules_import_no_module_that_imports_them():
    pairs = [p for p in mutual_pairs(import_graph()) if matches(p[0], CHECKED)
             or matches(p[1], CHECKED)]
    assert pairs == [], f"modules that import each other: {pairs}"


def test_timeline_modules_sit_below_export_and_pipeline():
    graph = import_graph()
    upward = {name: sorted(d for d in deps if d.startswith("vae_transition.")
                           and not matches(d, TIMELINE_MAY_IMPORT))
              for name, deps in graph.items() if fnmatch(name, "vae_transition.timeline*")}
    assert len(upward) >= 4 and not any(upward.values()), upward


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of any length (e.g. pipeline -> sides -> export -> pipeline), or []."""
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str]:
        if name in path:
            return path[path.index(name):] + [name]
        if name in done:
            return []
        for dep in sorted(graph.get(name, ())):
            found = visit(dep, path + [name])
            if found:
                return found
        done.add(name)
        return []

    return next((c for c in (visit(n, []) for n in sorted(graph)) if c), [])


def test_imports_only_point_down():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    found = cycle(import_graph())
    assert found == [], "import cycle: " + " -> ".join(found)
