"""What a PostgreSQL schema holds besides tables and columns: views, triggers (and their enabled state),
rules, row-level security, foreign keys' targets and deferral, identity/sequence parameters, and the
role/database settings that change what an application's session sees (session_replication_role,
search_path).

Read once per Comparison inside its snapshot (catalog.py reads tables, columns, keys and indexes).
Which roles are read: the connecting user, and every role that could be the application's -- a role
that can log in, may CONNECT to this database and has USAGE on the schema. A role's effective setting
follows PostgreSQL's precedence: role-in-database, then role, then database, then the server's value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sqlnames import qi, sql_literal
from .pairing import Comparison

RELKINDS = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "f": "foreign table"}
_TIMING = {2: "BEFORE", 64: "INSTEAD OF"}  # pg_trigger.tgtype bits; neither: AFTER
_EVENTS = ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE"), (32, "TRUNCATE"))


@dataclass(frozen=True)
class PgTrigger:
    name: str
    enabled: str  # pg_trigger.tgenabled: 'O' origin, 'D' disabled, 'R' replica only, 'A' always
    timing: str  # BEFORE | AFTER | INSTEAD OF
    events: tuple[str, ...]
    row: bool  # FOR EACH ROW
    constraint: str | None  # the constraint an internal (RI) trigger enforces
    definition: str

    @property
    def fires(self) -> bool:
        """Whether it fires in an ordinary session (session_replication_role = origin)."""
        return self.enabled in ("O", "A")


@dataclass(frozen=True)
class PgFkTarget:
    name: str
    parent_schema: str
    parent: str
    deferrable: bool
    deferred: bool  # INITIALLY DEFERRED
    triggers: tuple[PgTrigger, ...]  # the RI triggers on child and parent that enforce it


@dataclass(frozen=True)
class PgSequence:
    name: str  # schema-qualified, quoted
    increment: int
    min_value: int
    max_value: int
    cycle: bool
    last_value: int
    is_called: bool

    @property
    def next_value(self) -> int:
        return self.last_value + self.increment if self.is_called else self.last_value


@dataclass(frozen=True)
class PgColumnGen:
    """How a column gets a value the INSERT did not give: identity, a DEFAULT, or a generation expression."""

    identity: str  # 'a' ALWAYS, 'd' BY DEFAULT, '' none
    generated: str  # 's' STORED, '' none
    expression: str | None  # pg_get_expr of the default or of the generation expression
    owned_sequence: str | None  # a sequence OWNED BY this column (identity or serial), quoted


@dataclass
class PgObjects:
    relations: dict[str, str] = field(default_factory=dict)  # name -> relkind letter, in the schema
    views: dict[str, str] = field(default_factory=dict)  # view or matview name -> definition
    triggers: dict[str, list[PgTrigger]] = field(default_factory=dict)  # table -> user triggers
    rules: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # table -> (rule, definition)
    rls: dict[str, tuple[bool, list[str]]] = field(default_factory=dict)  # table -> (forced, policies)
    fks: dict[tuple[str, str], PgFkTarget] = field(default_factory=dict)  # (table, constraint) -> target
    columns: dict[tuple[str, str], PgColumnGen] = field(default_factory=dict)  # (table, column)
    replica: list[str] = field(default_factory=list)  # who runs with session_replication_role = replica
    shadows: dict[str, list[str]] = field(default_factory=dict)  # table -> what shadows it, and for whom


def pg_objects(cmp: Comparison) -> PgObjects:
    """The schema's non-table objects, read once per Comparison."""
    if "pg_objects" not in cmp.cache:
        cmp.cache["pg_objects"] = _read(cmp)
    return cmp.cache["pg_objects"]  # type: ignore[return-value]


def _read(cmp: Comparison) -> PgObjects:
    schema = sql_literal(cmp.settings.schema)
    out = PgObjects()
    rows = cmp.pg_query("SELECT c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, "
                        "CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END FROM pg_class c "
                        f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {schema} "
                        "AND c.relkind IN ('r', 'p', 'v', 'm', 'f')")
    for name, kind, rls, forced, viewdef in rows:
        out.relations[name] = kind
        if viewdef is not None:
            out.views[name] = viewdef
        if rls:
            out.rls[name] = (forced, [])
    for table, policy, cmd, roles, using in cmp.pg_query(
            "SELECT tablename, policyname, cmd, array_to_string(roles, ','), qual FROM pg_policies "
            f"WHERE schemaname = {schema}"):
        if table in out.rls:
            out.rls[table][1].append(f"{policy} ({cmd} for {roles}{f' USING {using}' if using else ''})")
    for table, rule, definition in cmp.pg_query(
            f"SELECT tablename, rulename, definition FROM pg_rules WHERE schemaname = {schema}"):
        out.rules.setdefault(table, []).append((rule, definition))
    _triggers_and_fks(cmp, schema, out)
    _columns(cmp, schema, out)
    _sessions(cmp, out)
    return out


def _trigger(row: tuple) -> PgTrigger:
    name, enabled, tgtype, constraint, definition = row
    enabled = _char(enabled)
    events = tuple(e for bit, e in _EVENTS if tgtype & bit)
    timing = next((t for bit, t in _TIMING.items() if tgtype & bit), "AFTER")
    return PgTrigger(name, enabled, timing, events, bool(tgtype & 1), constraint, definition)


def _triggers_and_fks(cmp: Comparison, schema: str, out: PgObjects) -> None:
    rows = cmp.pg_query(
        "SELECT c.relname, t.tgisinternal, t.tgname, t.tgenabled, t.tgtype, co.conname, "
        "pg_get_triggerdef(t.oid), co.oid FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_constraint co ON co.oid = t.tgconstraint "
        f"WHERE n.nspname = {schema} OR co.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = {schema})")
    ri: dict[int, list[PgTrigger]] = {}
    for table, internal, name, enabled, tgtype, conname, definition, con_oid in rows:
        trig = _trigger((name, enabled, tgtype, conname, definition))
        if con_oid is not None and internal:
            ri.setdefault(con_oid, []).append(trig)
        elif not internal:
            out.triggers.setdefault(table, []).append(trig)
    for oid, table, name, pschema, parent, deferrable, deferred in cmp.pg_query(
            "SELECT co.oid, c.relname, co.conname, pn.nspname, pc.relname, co.condeferrable, co.condeferred "
            "FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class pc ON pc.oid = co.confrelid "
            f"JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE n.nspname = {schema} AND co.contype = 'f'"):
        out.fks[(table, name)] = PgFkTarget(name, pschema, parent, deferrable, deferred, tuple(ri.get(oid, [])))


def _columns(cmp: Comparison, schema: str, out: PgObjects) -> None:
    rows = cmp.pg_query(
        "SELECT c.relname, a.attname, a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid), "
        "(SELECT quote_ident(sn.nspname) || '.' || quote_ident(s.relname) FROM pg_depend dp "
        " JOIN pg_class s ON s.oid = dp.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace "
        " WHERE dp.refobjid = c.oid AND dp.refobjsubid = a.attnum AND dp.deptype IN ('a', 'i') LIMIT 1) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
        f"WHERE n.nspname = {schema} AND c.relkind IN ('r', 'p')")
    for table, column, identity, generated, expr, owned in rows:
        out.columns[(table, column)] = PgColumnGen(_char(identity), _char(generated), expr, owned)


def relation_columns(cmp: Comparison, name: str) -> list[str]:
    """The column names of a table or view of the schema, in order."""
    rel = sql_literal(f"{qi(cmp.settings.schema)}.{qi(name)}")
    return [r[0] for r in cmp.pg_query(f"SELECT attname FROM pg_attribute WHERE attrelid = {rel}::regclass "
                                       "AND attnum > 0 AND NOT attisdropped ORDER BY attnum")]


def relation_column_types(cmp: Comparison, name: str) -> list[tuple[str, str]]:
    """(column, format_type) of a table or view of the schema, in order."""
    rel = sql_literal(f"{qi(cmp.settings.schema)}.{qi(name)}")
    return [(r[0], r[1]) for r in cmp.pg_query(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        f"WHERE attrelid = {rel}::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")]


def _char(value) -> str:
    """A "char" catalog value: the driver returns '\\x00' for the empty one."""
    return (value or "").strip("\x00")


def read_sequence(cmp: Comparison, name: str) -> PgSequence | None:
    """A sequence's parameters and position (None when it cannot be read): every sequence of the database the
    role may read is read at once, once per Comparison (pg_sequences); one the view does not show whole
    (last_value NULL: never called, or not readable) is read on its own."""
    if "pg_sequences" not in cmp.cache:
        cmp.cache["pg_sequences"] = {  # named as pg_get_serial_sequence and the owned sequence of _columns say it
            seq: PgSequence(seq, int(inc), int(lo), int(hi), bool(cycle), int(last), True)
            for seq, inc, lo, hi, cycle, last in cmp.pg_query(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), increment_by, min_value, "
                "max_value, cycle, last_value FROM pg_sequences WHERE last_value IS NOT NULL")}
    found = cmp.cache["pg_sequences"].get(name)  # type: ignore[attr-defined]
    return found if found is not None else _read_sequence(cmp, name)


def _read_sequence(cmp: Comparison, name: str) -> PgSequence | None:
    rows = cmp.pg_query(
        "SELECT s.seqincrement, s.seqmin, s.seqmax, s.seqcycle FROM pg_sequence s "
        f"WHERE s.seqrelid = {sql_literal(name)}::regclass")
    if not rows:
        return None
    last, called = cmp.pg_query(f"SELECT last_value, is_called FROM {name}")[0]
    inc, lo, hi, cycle = rows[0]
    return PgSequence(name, int(inc), int(lo), int(hi), bool(cycle), int(last), bool(called))


# --- the sessions an application could open: settings per role and database -------------------------------

def _settings(cmp: Comparison) -> tuple[str, str, dict[tuple[str, str], dict[str, str]]]:
    """(current user, database, {(database or '', role or ''): {setting: value}}) for this database."""
    user, db = cmp.pg_query("SELECT current_user, current_database()")[0]
    table: dict[tuple[str, str], dict[str, str]] = {}
    for datname, rolname, config in cmp.pg_query(
            "SELECT coalesce(d.datname, ''), coalesce(r.rolname, ''), unnest(s.setconfig) FROM pg_db_role_setting s "
            "LEFT JOIN pg_database d ON d.oid = s.setdatabase LEFT JOIN pg_roles r ON r.oid = s.setrole "
            "WHERE s.setdatabase = 0 OR d.datname = current_database()"):
        key, _, value = config.partition("=")
        table.setdefault((datname, rolname), {})[key.lower()] = value
    return user, db, table


def _effective(table: dict, db: str, role: str, setting: str) -> tuple[str, str] | None:
    """(value, where it is set) for `role`, by PostgreSQL's precedence; None: the server's value."""
    for key, where in (((db, role), f"role {role} in database {db}"), (("", role), f"role {role}"),
                       ((db, ""), f"database {db}")):
        if setting in table.get(key, {}):
            return table[key][setting], where
    return None


def _roles(cmp: Comparison, user: str) -> list[str]:
    schema = sql_literal(cmp.settings.schema)
    rows = cmp.pg_query("SELECT rolname FROM pg_roles WHERE rolcanlogin "
                        "AND has_database_privilege(oid, current_database(), 'CONNECT') "
                        f"AND has_schema_privilege(oid, {schema}, 'USAGE') ORDER BY rolname")
    return [user] + [r[0] for r in rows if r[0] != user]


_SETTINGS = ("session_replication_role", "search_path")
_SOURCES = {"database": "database {db}", "user": "role {user}", "database user": "role {user} in database {db}",
            "client": "the connection (client options)", "session": "the connection",
            "configuration file": "the server configuration", "default": "the server default"}


def _sessions(cmp: Comparison, out: PgObjects) -> None:
    """Each role's session_replication_role and search_path: the connecting user's as this session has them
    (URL options and role/database settings applied), other roles' by PostgreSQL's precedence."""
    user, db, table = _settings(cmp)
    mine = {name: (value, _SOURCES.get(source, source).format(db=db, user=user), source, boot)
            for name, value, source, boot in cmp.pg_query(
                "SELECT name, setting, source, boot_val FROM pg_settings WHERE name IN "
                "('session_replication_role', 'search_path')")}
    server = {name: value if source in ("default", "configuration file", "command line", "environment variable")
              else boot for name, (value, _, source, boot) in mine.items()}
    paths: dict[str, list[str]] = {}
    for role in _roles(cmp, user):
        found = {name: (mine[name][0], mine[name][1]) if role == user else
                 _effective(table, db, role, name) or (server[name], "the server configuration")
                 for name in _SETTINGS}
        value, where = found["session_replication_role"]
        if value.strip().strip("'\"").lower() == "replica":
            out.replica.append(f"{where} (session_replication_role = replica)")
        value, where = found["search_path"]
        paths.setdefault(value, []).append(f"role {role}, set on {where}")
    out.replica = sorted(set(out.replica))
    _shadows(cmp, paths, out)


def _schemas(path: str, role: str) -> list[str]:
    out = []
    for part in path.split(","):
        name = part.strip()
        name = name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()
        out.append(role if name == "$user" else name)
    return out


def _shadows(cmp: Comparison, paths: dict[str, list[str]], out: PgObjects) -> None:
    """Same-named relations in schemas searched before the target schema, per search_path in use."""
    target = cmp.settings.schema
    tables = [t.target.name for t in cmp.tables if t.target is not None]
    if not tables:
        return
    for path, whos in paths.items():
        for who in whos:
            role = who.split(",")[0].removeprefix("role ")
            schemas = _schemas(path, role)
            if target not in schemas or not schemas.index(target):
                continue
            earlier = schemas[: schemas.index(target)]
            rows = cmp.pg_query(
                "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                f"WHERE n.nspname IN ({', '.join(sql_literal(s) for s in earlier)}) "
                f"AND c.relname IN ({', '.join(sql_literal(t) for t in tables)}) "
                "AND c.relkind IN ('r', 'p', 'v', 'm', 'f')")
            for nsp, rel, kind in rows:
                out.shadows.setdefault(rel, []).append(
                    f"{RELKINDS[kind]} {qi(nsp)}.{qi(rel)} comes first on search_path {path!r} of {who}")
