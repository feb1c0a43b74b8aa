"""Where a Python program hands SQL to a database: found with `ast`, never by running the program.

A site is a call to execute / executemany / executescript / read_sql / read_sql_query / text()
whose first argument is a string literal, a concatenation of literals, or a name bound once to one
(in the module or the same function). An f-string, a %-formatted or .format()ted string, or a
concatenation with anything else is SQL built at run time: reported with its file:line, its text
unknown. What it cannot see: SQL passed through other functions, read from files, or built by an ORM.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

SQL_CALLS = frozenset({"execute", "executemany", "executescript", "read_sql", "read_sql_query", "text"})
LITERAL, RUNTIME, UNKNOWN = "literal", "runtime", "unknown"


@dataclass(frozen=True)
class SqlSite:
    path: str
    line: int  # the line where the SQL text starts (the call's line when the text is unknown)
    call: str  # execute, executemany, ...
    how: str  # LITERAL | RUNTIME (f-string, % or .format) | UNKNOWN (a name or expression not seen)
    sql: str | None  # the SQL when it is a literal
    detail: str = ""  # for RUNTIME/UNKNOWN: how it is built
    pieces: tuple[tuple[int, int], ...] = ()  # (offset in sql, source line) where each written piece starts

    def line_of(self, offset: int) -> int:
        """The source line of the SQL character at `offset` (pieces written on several lines are followed)."""
        if offset < 0 or not self.pieces or self.sql is None:
            return self.line
        start, line = max((p for p in self.pieces if p[0] <= offset), default=self.pieces[0])
        return line + self.sql[start:offset].count("\n")


def python_files(paths: list[str | Path]) -> list[Path]:
    """Every .py file under `paths` (files given directly are taken as they are), sorted."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += [f for f in p.rglob("*.py") if not any(part.startswith(".") or part in ("venv", "__pycache__")
                                                          for part in f.relative_to(p).parts)]
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or directory")
    return sorted(set(out))


def find_sql(path: Path, display: str | None = None) -> list[SqlSite]:
    """The SQL sites of one Python file (a file that does not parse raises SyntaxError)."""
    source = path.read_text(encoding="utf-8", errors="replace")
    tree = ast.parse(source, filename=str(path))
    module = _bindings(tree)
    sites = []
    for node, scope in _calls(tree, None):
        if node.args and _call_name(node) in SQL_CALLS:
            site = _site(display or str(path), node, _visible(node, scope, module), source)
            if site is not None:
                sites.append(site)
    return sorted(sites, key=lambda s: s.line)


_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _calls(node: ast.AST, scope: ast.AST | None):
    """Every call with the innermost function around it (None: module level)."""
    for child in ast.iter_child_nodes(node):
        inner = child if isinstance(child, _FUNCS) else scope
        if isinstance(child, ast.Call):
            yield child, scope
        yield from _calls(child, inner)


def _visible(call: ast.Call, scope: ast.AST | None, module: dict[str, list[ast.expr]]) -> dict[str, list[ast.expr]]:
    """What each name holds at `call`: in a function, its last assignment there before the call (a name
    built up with += is built at run time); else the module's single assignment."""
    if scope is None:
        return module
    seen: dict[str, list[ast.expr]] = {}
    before = [n for n in ast.walk(scope) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign))
              and n.lineno <= call.lineno]
    for node in sorted(before, key=lambda n: (n.lineno, n.col_offset)):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    seen[t.id] = [node.value]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            seen[node.target.id] = [node.value]
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            seen[node.target.id] = [ast.JoinedStr(values=[])]  # += : built at run time
    return {**module, **seen}


def _call_name(call: ast.Call) -> str | None:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else (f.id if isinstance(f, ast.Name) else None)


def _site(path: str, call: ast.Call, names: dict[str, list[ast.expr]], source: str) -> SqlSite | None:
    arg = call.args[0]
    if isinstance(arg, ast.Call) and _call_name(arg) in SQL_CALLS:
        return None  # execute(text("...")): the inner call is the site
    how, sql, detail, at = _resolve(arg, names)
    if how != LITERAL:
        return SqlSite(path, call.lineno, _call_name(call), how, None, detail)
    pieces = tuple(_pieces(at, source)) if at is not None else ()
    if pieces and "".join(p for p, _ in pieces) != sql:
        pieces = ()
    starts, offset = [], 0
    for text, line in pieces:
        starts.append((offset, line))
        offset += len(text)
    return SqlSite(path, at.lineno if at is not None else call.lineno, _call_name(call), how, sql, detail,
                   tuple(starts))


def _pieces(node: ast.expr, source: str) -> list[tuple[str, int]]:
    """The string literals a literal SQL expression is written as, each with its first line."""
    if isinstance(node, ast.BinOp):
        return _pieces(node.left, source) + _pieces(node.right, source)
    segment = ast.get_source_segment(source, node, padded=True)
    if not isinstance(node, ast.Constant) or segment is None:
        return []
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(segment.lstrip()).readline):
            if tok.type == tokenize.STRING:
                out.append((ast.literal_eval(tok.string), node.lineno + tok.start[0] - 1))
    except (tokenize.TokenError, ValueError, SyntaxError):
        return []
    return out


def _resolve(node: ast.expr, names: dict[str, list[ast.expr]]) -> tuple[str, str | None, str, ast.expr | None]:
    """(how, sql, detail, node holding the text) for an argument."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return LITERAL, node.value, "", node
    if isinstance(node, ast.JoinedStr):
        return RUNTIME, None, "f-string" if node.values else "a string built up with +=", node
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _is_text(node.left, names):
        return RUNTIME, None, "%-formatted string", node
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
            and _is_text(node.func.value, names):
        return RUNTIME, None, ".format() string", node
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _resolve(node.left, names), _resolve(node.right, names)
        if left[0] == LITERAL and right[0] == LITERAL:
            return LITERAL, left[1] + right[1], "", node
        return RUNTIME, None, "concatenation with a value only known at run time", node
    if isinstance(node, ast.Name) and len(names.get(node.id, [])) == 1:
        how, sql, detail, _ = _resolve(names[node.id][0], {})
        return how, sql, detail or f"name {node.id}", names[node.id][0] if how == LITERAL else node
    label = node.id if isinstance(node, ast.Name) else ast.unparse(node)[:60]
    return UNKNOWN, None, f"{label} (not a literal this scan can read)", node


def _is_text(node: ast.expr, names: dict[str, list[ast.expr]]) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Name) and len(names.get(node.id, [])) == 1:
        return _is_text(names[node.id][0], {})
    return isinstance(node, (ast.JoinedStr, ast.BinOp))


def _bindings(tree: ast.AST) -> dict[str, list[ast.expr]]:
    """name -> every value assigned to it at module level (one value: the name is that value)."""
    out: dict[str, list[ast.expr]] = {}
    for node in _module_level(tree):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out.setdefault(t.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            out.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            out.setdefault(node.target.id, []).extend([node.value, node.value])  # += : not one value
    return out


def _module_level(tree: ast.AST):
    """The module's statements and their sub-nodes, without function bodies."""
    for child in ast.iter_child_nodes(tree):
        if not isinstance(child, (*_FUNCS, ast.ClassDef)):
            yield child
            yield from _module_level(child)
