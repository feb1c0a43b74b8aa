"""Objects: what SQLite had around a table is in PostgreSQL, and PostgreSQL adds nothing that changes what
the application reads or writes.

Per table:
- its SQLite triggers exist in PostgreSQL under the same name, fire (not disabled), at the same time
  (BEFORE/AFTER/INSTEAD OF) on the same event. The body cannot be proven equal and is not compared.
- its generated columns exist, are generated (a plain column goes stale on the next write), and
  PostgreSQL's expression computes what the translated SQLite expression computes on every row present.
- views and virtual tables belong to the database; each is checked with the first table it reads (views
  read through other views to a table; a virtual table with `content=` goes with that table, any other
  with the database's first table), so `pytest checks/ -k <table>` finds it. A view must exist in
  PostgreSQL as a view (a table or materialized view does not follow writes) and return the same rows as
  SQLite's: the same count, the same NULLs per column, and the same multiset of rows compared by content
  (each column by the rule a table column of its types gets, view_values). A view that on both sides is a
  plain row filter of its table (SELECT the same columns FROM it WHERE ...), returning its integer primary
  key, is compared by the keys it returns once the table's content scan found every row equal: its rows
  are then the table's rows (the view is not read in full a second time). A view SQLite itself cannot
  run is not required. Its definition is not compared: a WHERE or expression that differs only on rows
  not present today (e.g. an added `AND coalesce(priority, 0) > -1000`) passes until such a row exists.
- PostgreSQL-only: user triggers SQLite did not have, rules (`DO INSTEAD NOTHING` drops the app's
  writes), row-level security, and a same-named table or view in a schema searched before this one on
  the search_path of the connecting role or any role that could be the application's.

A finding about a named object carries it as its key ('trigger=inventory_touch', 'view=open_orders'),
so a waiver can name exactly one object.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ..errors import TargetError
from ..schema import SqlObject
from ..sqlnames import qi, qname, qs
from ..sqltranslate import referenced_columns, translate_expr
from .outcome import Finding, Outcome, failed, missing_table, passed
from .pairing import Comparison, TablePair, match_name
from .pg_objects import PgObjects, pg_objects, relation_columns
from .view_values import follows_table, view_value_difference

CHECK = "objects"
_TRIGGER = re.compile(r"\bTRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:\S+\.)?(?:\"(?:[^\"]|\"\")*\"|\[[^\]]*\]|`[^`]*`|\S+)"
                      r"\s+(BEFORE|AFTER|INSTEAD\s+OF)?\s*(INSERT|UPDATE|DELETE)\b", re.I | re.S)


def check_objects(cmp: Comparison, tp: TablePair) -> Outcome:
    """The table's triggers, generated columns and attached views exist and behave; nothing PostgreSQL-only."""
    if tp.target is None:
        return missing_table(CHECK, tp.name, cmp.settings.schema)
    objs = pg_objects(cmp)
    views, virtual = attached(cmp).get(tp.name, ([], []))
    findings = _triggers(cmp, tp, objs) + _generated(cmp, tp, objs) + _views(cmp, tp, views, objs)
    findings += _virtual(tp, virtual, objs) + _pg_only(cmp, tp, objs)
    if findings:
        return failed(CHECK, tp.name, f"{len(findings)} object problem(s)", findings)
    triggers = [t for t in cmp.schema.trigger_defs if t.table.lower() == tp.name.lower()]
    mapping = {c.name: c.target.name for c in tp.columns if c.target is not None}
    opaque = [g.name for g in tp.source.generated if translate_expr(g.expression, mapping).sql is None]
    said = [f"{len(triggers)} trigger(s) present (bodies not compared)" if triggers else "",
            f"{len(tp.source.generated) - len(opaque)} generated column(s) compute the same values"
            if len(tp.source.generated) > len(opaque) else "",
            f"generated {', '.join(opaque)}: SQLite's expression has no PostgreSQL translation, values not compared"
            if opaque else "",
            f"{len(views)} view(s) returning the same rows (definitions not compared)" if views else ""]
    return passed(CHECK, tp.name, "; ".join(s for s in said if s) or "no triggers, generated columns or views; "
                                  "no PostgreSQL-only triggers, rules, row security or shadowing tables")


# --- SQLite's triggers --------------------------------------------------------------------------------------

def _sqlite_trigger(sql: str) -> tuple[str, str]:
    m = _TRIGGER.search(sql)
    if not m:
        return "BEFORE", "?"
    return re.sub(r"\s+", " ", (m.group(1) or "BEFORE").upper()), m.group(2).upper()


def _triggers(cmp: Comparison, tp: TablePair, objs: PgObjects) -> list[Finding]:
    out = []
    pg = {t.name: t for t in objs.triggers.get(tp.target.name, [])}
    for trig in (t for t in cmp.schema.trigger_defs if t.table.lower() == tp.name.lower()):
        timing, event = _sqlite_trigger(trig.sql)
        key, what = f"trigger={trig.name}", f"SQLite trigger {trig.name} ({timing} {event} ON {tp.name})"
        name = match_name(trig.name, list(pg))
        if name is None:
            out.append(Finding(f"{tp.name}: {what} has no PostgreSQL counterpart: what it does on the application's "
                               f"{event}s no longer happens (triggers are not migrated; port it, or waive)", None,
                               "trigger-missing", key))
            continue
        t = pg[name]
        if not t.fires:
            out.append(Finding(f"{tp.name}: {what} is DISABLED in PostgreSQL (tgenabled {t.enabled!r}): it does not "
                               "fire on the application's writes", None, "trigger-disabled", key))
        elif t.timing != timing or event not in t.events or not t.row:
            out.append(Finding(f"{tp.name}: {what} is {t.timing} {' OR '.join(t.events)}"
                               f"{' FOR EACH ROW' if t.row else ' FOR EACH STATEMENT'} in PostgreSQL",
                               None, "trigger-differs", key))
    return out


# --- generated columns --------------------------------------------------------------------------------------

def _generated(cmp: Comparison, tp: TablePair, objs: PgObjects) -> list[Finding]:
    out = []
    names = [c.name for c in tp.target.columns]
    mapping = {c.name: c.target.name for c in tp.columns if c.target is not None}
    for g in tp.source.generated:
        where = f"{tp.name}.{g.name}"
        col = match_name(g.name, names)
        if col is None:
            out.append(Finding(f"{where}: generated column AS ({g.expression}) missing in PostgreSQL: the application "
                               "reads a column that is not there", g.name, "generated-missing"))
            continue
        gen = objs.columns.get((tp.target.name, col))
        if gen is None or gen.generated != "s":
            out.append(Finding(f"{where}: a plain column in PostgreSQL, generated AS ({g.expression}) in SQLite: its "
                               "values are not recomputed when the columns it reads change (they go stale on the "
                               "next write)", g.name, "generated-plain"))
            continue
        tr = translate_expr(g.expression, mapping)
        if tr.sql is None:
            continue  # no translation to compare with: the passed summary says so
        reads = [mapping[c] for c in referenced_columns(g.expression, list(mapping))]
        differ = _expression_differs(cmp, tp, col, gen.expression or "", tr.sql, reads)
        if differ:
            out.append(Finding(f"{where}: PostgreSQL computes it as {gen.expression}, SQLite as {g.expression}: "
                               f"{differ}", g.name, "generated-expression"))
    return out


def _expression_differs(cmp: Comparison, tp: TablePair, col: str, pg_expr: str, translated: str,
                        reads: list[str]) -> str | None:
    """How the stored values differ from the translated SQLite expression: on the rows present, and on
    probe rows -- a present row with one column it reads set to NULL, and an all-NULL row (what the next
    insert that leaves columns out computes)."""
    table = qname(cmp.settings.schema, tp.target.name)
    n = cmp.pg_query(f"SELECT count(*) FROM {table} WHERE {qi(col)} IS DISTINCT FROM ({translated})")[0][0]
    if n:
        return f"{n} row(s) differ"
    others = [c for c in tp.target.columns if c.name != col]
    probes = [", ".join(f"NULL::{c.type} AS {qi(c.name)}" for c in others)]
    probes += [", ".join(f"NULL::{c.type} AS {qi(c.name)}" if c.name == gone else f"t.{qi(c.name)}" for c in others)
               + f" FROM (SELECT * FROM {table} LIMIT 1) AS t" for gone in reads]
    union = " UNION ALL ".join(f"SELECT {p}" for p in probes)
    try:
        bad = cmp.pg_query(f"SELECT count(*) FILTER (WHERE ({pg_expr}) IS DISTINCT FROM ({translated})) "
                           f"FROM ({union}) AS probe")[0][0]
    except TargetError:
        return None
    return f"they differ on {bad} probe row(s) with NULL in a column it reads" if bad else None


# --- views and virtual tables -------------------------------------------------------------------------------

def attached(cmp: Comparison) -> dict[str, tuple[list[SqlObject], list[SqlObject]]]:
    """table -> (views, virtual tables) it carries: each view with the first table it reads."""
    if "objects_attached" in cmp.cache:
        return cmp.cache["objects_attached"]  # type: ignore[return-value]
    tables = [t.name for t in cmp.schema.tables]
    views = {v.name.lower(): v for v in cmp.schema.view_defs}
    out: dict[str, tuple[list, list]] = {}
    for v in cmp.schema.view_defs:
        home = _first_table(v, views, tables, set()) or (tables[0] if tables else None)
        if home:
            out.setdefault(home, ([], []))[0].append(v)
    for v in cmp.schema.virtual_defs:
        m = re.search(r"\bcontent\s*=\s*['\"]?([^'\",)\s]+)", v.sql, re.I)
        home = match_name(m.group(1), tables) if m else None
        home = home or (tables[0] if tables else None)
        if home:
            out.setdefault(home, ([], []))[1].append(v)
    cmp.cache["objects_attached"] = out
    return out


def _first_table(view: SqlObject, views: dict[str, SqlObject], tables: list[str], seen: set[str]) -> str | None:
    try:
        tree = sqlglot.parse_one(view.sql, read="sqlite")
    except SqlglotError:
        return None
    seen.add(view.name.lower())
    for t in tree.expression.find_all(exp.Table) if isinstance(tree, exp.Create) and tree.expression else []:
        name = match_name(t.name, tables)
        if name:
            return name
        inner = views.get(t.name.lower())
        if inner is not None and inner.name.lower() not in seen:
            found = _first_table(inner, views, tables, seen)
            if found:
                return found
    return None


def _views(cmp: Comparison, tp: TablePair, views: list[SqlObject], objs: PgObjects) -> list[Finding]:
    out = []
    for v in views:
        key = f"view={v.name}"
        try:
            cols = [r[1] for r in cmp.source.query(f"PRAGMA table_info({qs(v.name)})")]
            want = cmp.source.query("SELECT count(*)" + "".join(f", sum({qs(c)} IS NULL)" for c in cols)
                                    + f" FROM {qs(v.name)}")[0]
        except Exception:  # noqa: BLE001 - the view does not run in SQLite itself: the app cannot use it there
            continue
        name = match_name(v.name, list(objs.relations))
        if name is None:
            out.append(Finding(f"{tp.name}: view {v.name} (reads {tp.name}) missing in PostgreSQL: the application's "
                               f"SELECT ... FROM {v.name} fails", None, "view-missing", key))
            continue
        if objs.relations[name] != "v":
            what = "a materialized view" if objs.relations[name] == "m" else "a table"
            out.append(Finding(f"{tp.name}: view {v.name} is {what} in PostgreSQL: it does not follow the "
                               "application's writes to the tables it reads", None, "view-materialized", key))
        out += [Finding(f"{tp.name}: view {v.name}{text}", None, kind, key)
                for kind, text in _view_rows(cmp, tp, v, name, cols, want, objs)]
    return out


def _view_rows(cmp: Comparison, tp: TablePair, view: SqlObject, name: str, cols: list[str], want: tuple,
               objs: PgObjects) -> list[tuple[str, str]]:
    """(kind, text) for each way the PostgreSQL view's rows differ: row count, columns, NULLs per column,
    then the rows' content (view_values: the multiset of canonical rows; a plain row filter of the table whose
    content scan passed, by the keys it returns)."""
    pg_cols = relation_columns(cmp, name)
    found = [match_name(c, pg_cols) for c in cols]
    missing = [c for c, f in zip(cols, found) if f is None]
    nulls = "".join(f", count(*) FILTER (WHERE {qi(f)} IS NULL)" for f in found if f is not None)
    try:
        got = cmp.pg_query(f"SELECT count(*){nulls} FROM {qname(cmp.settings.schema, name)}")[0]
    except TargetError as exc:
        return [("view-rows", f" fails in PostgreSQL ({exc}); SQLite returns {want[0]} row(s)")]
    if got[0] != want[0]:
        return [("view-rows", f" returns {got[0]} row(s) in PostgreSQL, {want[0]} in SQLite")]
    out = [("view-columns", f": column {c} missing in PostgreSQL") for c in missing]
    pairs = [(c, w) for c, f, w in zip(cols, found, want[1:]) if f is not None]
    out += [("view-values", f": column {c} is NULL in {g} row(s) in PostgreSQL, {w or 0} in SQLite")
            for (c, w), g in zip(pairs, got[1:]) if g != (w or 0)]
    if out:
        return out
    if follows_table(cmp, tp, view.name, view.sql, name, objs.views.get(name)):
        return []
    differ = view_value_difference(cmp, view.name, view.sql, name)
    return [("view-values", differ)] if differ else []


def _virtual(tp: TablePair, virtual: list[SqlObject], objs: PgObjects) -> list[Finding]:
    return [Finding(f"{tp.name}: virtual table {v.name} ({_module(v.sql)}) missing in PostgreSQL: the application's "
                    f"queries on it (e.g. full-text MATCH) fail", None, "virtual-missing", f"table={v.name}")
            for v in virtual if match_name(v.name, list(objs.relations)) is None]


def _module(sql: str) -> str:
    m = re.search(r"\bUSING\s+(\w+)", sql, re.I)
    return m.group(1) if m else "virtual"


# --- what PostgreSQL adds -----------------------------------------------------------------------------------

def _pg_only(cmp: Comparison, tp: TablePair, objs: PgObjects) -> list[Finding]:
    name = tp.target.name
    out = []
    sqlite = {t.name.lower() for t in cmp.schema.trigger_defs if t.table.lower() == tp.name.lower()}
    for t in objs.triggers.get(name, []):
        if t.fires and t.name.lower() not in sqlite:
            out.append(Finding(f"{tp.name}: PostgreSQL trigger {t.name} ({t.timing} {' OR '.join(t.events)}) "
                               "fires on the application's writes; SQLite has no such trigger: "
                               f"{t.definition}", None, "pg-trigger", f"trigger={t.name}"))
    for rule, definition in objs.rules.get(name, []):
        out.append(Finding(f"{tp.name}: PostgreSQL rule {rule} rewrites the application's statements "
                           f"(SQLite has none): {' '.join(definition.split())}", None, "pg-rule", f"rule={rule}"))
    if name in objs.rls:
        forced, policies = objs.rls[name]
        listed = ": " + "; ".join(policies) if policies else ""
        out.append(Finding(f"{tp.name}: row-level security is enabled{' and forced' if forced else ''} "
                           f"in PostgreSQL with {len(policies)} policy(ies){listed}: a role other than the owner "
                           "sees and writes only the rows the policies allow "
                           f"({'none' if not policies else 'SQLite had no such limit'})", None, "rls"))
    out += [Finding(f"{tp.name}: {why}: the application's unqualified {name} reads and writes that one", None,
                    "shadowed") for why in objs.shadows.get(name, [])]
    return out
