"""Imports point down: no two modules of the package import each other, not even inside a
function or under TYPE_CHECKING (STYLE.md, habit 11), and the rooms (subpackages) sit in layers.
Read with ast, nothing is imported."""

from __future__ import annotations

import ast
import configparser
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("vae_transition", "ffmpeg_scripts")
# Modules (fnmatch patterns) that may be in no import pair: the whole package.
CHECKED = ("vae_transition.*", "ffmpeg_scripts.*")
# The timeline modules sit below everything else in the package but the timecode helpers and
# the one way to write a file.
TIMELINE_MAY_IMPORT = ("vae_transition.timeline.*", "vae_transition.timing", "vae_transition.outputs")
# The rooms, lowest first: a module imports only modules of its own layer or of lower ones.
LAYERS = (
    ("ffmpeg_scripts.*",),
    ("vae_transition.[!.]*",),       # top-level modules: model, weights, cache, outputs, ...
    ("vae_transition.morph.*", "vae_transition.timeline.*", "vae_transition.train.*"),
    ("vae_transition.export.*",),
    ("vae_transition.join.*",),
    ("vae_transition.batch.*", "vae_transition.editors.*"),
    ("vae_transition.cli.*",),
)
# Third-party modules slow enough to import that a module may import them, or a module that
# imports them at its top, inside a function instead (so `--help` stays instant).
HEAVY = ("torch", "cv2", "scipy", "skimage", "sklearn", "opentimelineio", "safetensors",
         "imageio_ffmpeg", "bpy")  # bpy: only inside Blender (editors/blender_addon)


def modules() -> dict[str, Path]:
    """'vae_transition.join.pipeline' -> its file, for every module of PACKAGES and their
    subpackages ('vae_transition.cli' -> cli/__init__.py)."""
    found = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
                if len(parts) == 1:
                    continue  # the top package's own __init__ (version, env) imports nothing
            found[".".join(parts)] = path
    return found


def _package(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rsplit(".", 1)[0]


def imports(name: str, path: Path) -> list[tuple[str, bool]]:
    """(imported name, inside a function) for every import in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f) if n is not f}
    out = []
    for node in ast.walk(tree):
        inner = id(node) in nested
        if isinstance(node, ast.Import):
            out += [(a.name, inner) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _package(name, path).rsplit(".", node.level - 1)[0]
                base = f"{package}.{node.module}" if node.module else package
            out.append((base, inner))
            out += [(f"{base}.{a.name}", inner) for a in node.names]  # `from pkg import module`
    return out


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules `name` imports anywhere in its file (any depth, any branch)."""
    return {m for m, _ in imports(name, path) if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imported(name, path, set(mods)) for name, path in mods.items()}


def mutual_pairs(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Every pair of modules that import each other, each pair once, sorted."""
    return sorted((a, b) for a, deps in graph.items() for b in deps
                  if a < b and a in graph.get(b, ()))


def matches(name: str, patterns) -> bool:
    return any(fnmatch(name, p) for p in patterns)


def layer(name: str) -> int:
    return next(k for k, patterns in enumerate(LAYERS) if matches(name, patterns))


def test_import_graph_sees_lazy_and_type_checking_imports():
    graph = import_graph()
    assert "vae_transition.weights" in graph["vae_transition.join.pipeline"]  # inside functions
    assert "ffmpeg_scripts.probe" in graph["vae_transition.timeline.model"]  # under TYPE_CHECKING
    assert "vae_transition.cli.app" in graph["vae_transition.cli"]  # a package's __init__
    assert mutual_pairs({"a": {"b"}, "b": {"a", "c"}, "c": set()}) == [("a", "b")]


def test_checked_modules_import_no_module_that_imports_them():
    pairs = [p for p in mutual_pairs(import_graph()) if matches(p[0], CHECKED)
             or matches(p[1], CHECKED)]
    assert pairs == [], f"modules that import each other: {pairs}"


def test_timeline_modules_sit_below_export_and_pipeline():
    graph = import_graph()
    upward = {name: sorted(d for d in deps if d.startswith("vae_transition.")
                           and not matches(d, TIMELINE_MAY_IMPORT))
              for name, deps in graph.items() if fnmatch(name, "vae_transition.timeline.*")}
    assert len(upward) >= 6 and not any(upward.values()), upward


def test_rooms_import_only_their_own_layer_or_lower_ones():
    upward = sorted((name, dep) for name, deps in import_graph().items() for dep in deps
                    if layer(dep) > layer(name))
    assert upward == [], f"imports that point up a layer: {upward}"


def _heavy(graph: dict[str, set[str]], mods: dict[str, Path]) -> set[str]:
    """Package modules that import a HEAVY module at their top, directly or through another."""
    top = {name: {m for m, inner in imports(name, path) if not inner}
           for name, path in mods.items()}
    heavy = {n for n, deps in top.items() if any(d.split(".")[0] in HEAVY for d in deps)}
    while True:
        more = {n for n, deps in top.items() if n not in heavy and deps & heavy}
        if not more:
            return heavy
        heavy |= more


def test_imports_inside_functions_are_only_for_heavy_modules():
    """A package module imported inside a function must be one that loads torch (or another
    HEAVY library) at import time: no import hides in a function to dodge a cycle. The CLI's
    commands import the library inside their bodies, so that `--help` loads none of it."""
    mods = modules()
    heavy = _heavy(import_graph(), mods)
    hidden = sorted((name, m) for name, path in mods.items() if not name.startswith(
        "vae_transition.cli") for m, inner in imports(name, path)
        if inner and m in mods and m not in heavy)
    assert hidden == [], f"imports inside functions that could be at the top: {hidden}"


# Inside Blender the add-on runs the installed `vae-transition` command (not ffmpeg): its
# Python has no torch, so the library cannot be imported there.
RUNS_THE_CLI = ("vae_transition.editors.blender_addon.runner",)
# The training corpus downloads and unpacks Debian packages (apt-get download, dpkg-deb -x), which
# are not ffmpeg: it reads their video frames through ffmpeg_scripts like everyone else.
RUNS_PACKAGE_TOOLS = ("vae_transition.train.corpus",)


def test_only_ffmpeg_scripts_builds_or_runs_ffmpeg():
    """No module of vae_transition imports subprocess or ffmpeg-python, nor asks for ffmpeg's
    argv prefix (ff.base()): every command is a graph built and run in ffmpeg_scripts."""
    found = []
    for name, path in modules().items():
        if not name.startswith("vae_transition"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [(name, m) for m, _ in imports(name, path) if m.split(".")[0] in
                  ("subprocess", "ffmpeg") and name not in RUNS_THE_CLI + RUNS_PACKAGE_TOOLS]
        found += [(name, "ff.base()") for node in ast.walk(tree) if isinstance(node, ast.Call)
                  and isinstance(node.func, ast.Attribute) and node.func.attr == "base"]
    assert found == [], found


def test_every_package_is_installed():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    folders = {".".join(p.parent.relative_to(ROOT).parts) for pkg in PACKAGES
               for p in (ROOT / pkg).rglob("__init__.py")}
    assert folders <= listed, f"packages missing from setup.cfg: {sorted(folders - listed)}"


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


def _top_closure(start: str, mods: dict[str, Path]) -> set[str]:
    """Every module (package or third-party) that importing `start` runs: top-level imports only,
    followed through the package."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in mods:
            todo += [m for m, inner in imports(name, mods[name]) if not inner]
    return seen


def test_the_join_imports_torch_only_once_it_needs_the_model():
    """A join loads torch and the model in a background thread while ffmpeg probes and reads
    the clips (background.py); a top-level import of torch anywhere on the join's way would make
    the two wait for each other again."""
    mods = modules()
    for start in ("vae_transition.cli.join", "vae_transition.join.pipeline"):
        torch = sorted(m for m in _top_closure(start, mods) if m.split(".")[0] == "torch")
        assert torch == [], f"{start} imports torch at the top, through: {torch}"
    assert "torch" in _top_closure("vae_transition.morph.vae", mods)  # the check can see it
