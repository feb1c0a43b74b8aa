"""The package imports cleanly and its modules form no import cycle.

Every pgparity module is imported in a fresh interpreter (a missing dependency or a module that only
imports after another one fails here). Cycles are found on the import graph read with ast, deferred
imports inside functions included: a cycle hidden by a function-level import is still two modules
that each need the other. Imports under `if TYPE_CHECKING:` are left out (they never run).
Cannot see: imports built at run time (importlib.import_module with a computed name), and cycles
through modules outside pgparity.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pgparity"


def _modules(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, packages named by their __init__.py."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def _imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The pgparity modules `name` (at `path`) imports, at module level or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:  # `from . import x` names a module; `from .m import f` names m
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    # importing a.b.c imports the packages a and a.b first: those edges are not cycles of ours
    return {m for m in found if m in known and m != name and not name.startswith(m + ".")}


def import_graph(package: Path) -> dict[str, set[str]]:
    known = _modules(package)
    return {name: _imported(name, path, known) for name, path in known.items()}


def _path(graph: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """A shortest import path start -> ... -> goal (breadth first), or None."""
    came: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for m in sorted(graph.get(node, ())):
                if m not in came:
                    came[m] = node
                    nxt.append(m)
        if goal in came:
            out = [goal]
            while out[-1] != start or len(out) == 1:
                out.append(came[out[-1]])
            return out[::-1]
        frontier = nxt
    return None


def cycles(graph: dict[str, set[str]], within: str) -> list[list[str]]:
    """The import cycles through modules named `within` or under it, one [a, b, ..., a] per set of modules."""
    found, seen = [], set()
    for name in sorted(graph):
        if (name == within or name.startswith(within + ".")) and (loop := _path(graph, name, name)):
            if frozenset(loop) not in seen:
                seen.add(frozenset(loop))
                found.append(loop)
    return found


def test_every_module_imports_in_a_fresh_interpreter():
    names = sorted(n for n in _modules(PACKAGE) if not n.endswith(".__main__"))  # __main__ runs a program
    script = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\n"
    done = subprocess.run([sys.executable, "-c", script, *names], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_no_import_cycle_in_the_verify_package():
    found = cycles(import_graph(PACKAGE), "pgparity.verify")
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)


def test_a_cycle_is_found(tmp_path):
    """The check itself: a deferred import that closes a loop through a sibling package is reported."""
    pkg = tmp_path / "pgparity"
    (pkg / "verify").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "verify" / "__init__.py").write_text("")
    (pkg / "verify" / "a.py").write_text("from .b import f\n")
    (pkg / "verify" / "b.py").write_text("def f():\n    from ..top import g\n")
    (pkg / "top.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .verify import b\n"
                                "def g():\n    from pgparity.verify import a\n")
    assert cycles(import_graph(pkg), "pgparity.verify") == [
        ["pgparity.verify.a", "pgparity.verify.b", "pgparity.top", "pgparity.verify.a"]]
    (pkg / "top.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .verify import a\n")
    assert cycles(import_graph(pkg), "pgparity.verify") == []
