"""Which unit a SQLite integer is in when it becomes a duration or an instant — stated or shown, never guessed.

An integer means nothing without its unit: Django stores a DurationField as integer microseconds,
an app may store epochs in seconds, milliseconds or microseconds. Loading in the wrong unit is a
silent corruption (74 000 002 µs read as seconds is 856 days). The loader (`--data-only`) and the
checks both ask this module, so they read the same integer the same way:

- `interval_unit(source, stated)`: the unit of integers going into `interval` columns: the user's
  `--interval-unit`, else microseconds when the file holds a `django_migrations` table (Django made
  it), else unknown.
- `epoch_unit(lo, hi, stated)`: the unit of integer epochs going into `timestamp`/`date` columns:
  the user's `--epoch-unit`, else the one band (1973..2242 in s, ms or µs) holding every value,
  else unknown.

Each answer is a `UnitEvidence(unit, evidence)`; `unit` is None when nothing decides it, and
`evidence` then says why.
"""

from __future__ import annotations

from typing import NamedTuple

UNITS = ("us", "ms", "s")
PER_SECOND = {"us": 1_000_000, "ms": 1_000, "s": 1}
WORDS = {"us": "microseconds", "ms": "milliseconds", "s": "seconds"}
# instants from 1973-03-03 to 2242-03-16: the bands of the three units do not overlap
EPOCH_SECONDS = (100_000_000, 2**33)
DJANGO_MARK = "django_migrations"
NO_INTEGERS = "no integers"  # epoch_unit's evidence when a column holds no integer to read
# a number, stored as one or as text of digits: in an interval it needs a unit (PostgreSQL would read seconds)
NUMBER_SQL = ("(typeof({q}) IN ('integer','real') OR (typeof({q}) = 'text' AND trim({q}) <> '' "
              "AND trim({q}) NOT GLOB '*[^0-9.eE+-]*' AND trim({q}) GLOB '*[0-9]*'))")
# a text timestamp, read as the time since the epoch when it goes into an interval (SQLAlchemy's Interval)
SINCE_EPOCH_SQL = ("(typeof({q}) = 'text' AND {q} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
                   "AND julianday({q}) IS NOT NULL)")


class UnitEvidence(NamedTuple):
    unit: str | None  # 'us' | 'ms' | 's', or None: not known
    evidence: str  # why this unit (or why none): shown to the user and kept in the manifest

    @property
    def micros(self) -> int:
        """Microseconds per integer step in this unit."""
        return 1_000_000 // PER_SECOND[self.unit]


def stated(option: str, unit: str) -> UnitEvidence:
    if unit not in UNITS:
        raise ValueError(f"{option} {unit!r}: use one of {', '.join(UNITS)}")
    return UnitEvidence(unit, f"stated: {option} {unit}")


def interval_unit(source, stated_unit: str | None = None) -> UnitEvidence:
    """The unit of integers in the SQLite file that go into PostgreSQL `interval` columns.

    `source` is a `SqliteSource` (anything with `.query(sql)`)."""
    if stated_unit:
        return stated("--interval-unit", stated_unit)
    found = source.query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'")
    if found and found[0][0]:
        return UnitEvidence("us", "the SQLite file has a django_migrations table: Django stores a DurationField "
                                  "as integer microseconds")
    return UnitEvidence(None, "no --interval-unit given and nothing in the file says which unit its integers use")


def epoch_unit(lo: int | None, hi: int | None, stated_unit: str | None = None) -> UnitEvidence:
    """The unit of integer epochs whose smallest is `lo` and largest `hi` (None: no integers)."""
    if stated_unit:
        return stated("--epoch-unit", stated_unit)
    if lo is None or hi is None:
        return UnitEvidence(None, NO_INTEGERS)
    for unit in ("s", "ms", "us"):
        low, high = (b * PER_SECOND[unit] for b in EPOCH_SECONDS)
        if low <= lo and hi < high:
            return UnitEvidence(unit, f"every integer ({lo}..{hi}) is an instant between 1973 and 2242 only when "
                                      f"read as {WORDS[unit]}")
    return UnitEvidence(None, f"integers from {lo} to {hi} are not all in one plausible range "
                              "(1973..2242 as seconds, milliseconds or microseconds)")


def _days_and_rest(v: str, per_day: int, rest: str) -> str:
    """SQLite text '<days> days <rest> <unit>' for the integer expression `v` in steps of which `per_day` make a day:
    days floor-divided, the rest in [0, per_day) — how Python's timedelta normalises (timedelta(hours=-1) is
    -1 day + 23 h) and so how Django (psycopg) and SQLAlchemy send a timedelta: '400 days 05:00:00', not '9605:00:00'.
    PostgreSQL keeps days and time apart (extract(day ...), justify_*, date arithmetic across DST see them)."""
    r = f"(((({v}) % {per_day}) + {per_day}) % {per_day})"  # parenthesised: || binds tighter than % in SQLite
    return f"((({v}) - {r}) / {per_day}) || ' days ' || {rest.format(r=r)}"


# an integer as SQLite holds it or as text of digits (at most 18: no overflow in SQLite's integer arithmetic)
_INTEGRAL_SQL = ("(typeof({q}) = 'integer' OR (typeof({q}) = 'text' AND length(trim({q})) BETWEEN 1 AND 19 "
                 "AND ltrim(trim({q}), '-') <> '' AND ltrim(trim({q}), '-') NOT GLOB '*[^0-9]*' "
                 "AND length(ltrim(trim({q}), '-')) <= 18 AND substr(trim({q}), 2) NOT GLOB '*-*'))")


def interval_sql(q: str, unit: str | None) -> str:
    """SQLite expression: PostgreSQL interval input for the quoted column `q`, in the form the ORM itself writes.

    Numbers (digits stored as text too) are in `unit` (None: the column holds none); integers go as whole days and
    the rest of the day (`_days_and_rest`), other numbers as they are in the unit. A timestamp text is the time since
    1970-01-01 00:00:00 — how SQLAlchemy stores an Interval in SQLite — turned into whole days and exact
    microseconds (whole seconds by strftime('%s'), the fraction's digits as written). Other text
    goes as it is ('1 day 02:00:00' is PostgreSQL's own interval input)."""
    numbers = ""
    if unit:
        per_day = 86_400 * PER_SECOND[unit]
        integral = _days_and_rest(f"CAST(trim(CAST({q} AS TEXT)) AS INTEGER)", per_day, "{r} || ' " + WORDS[unit] + "'")
        numbers = (f"WHEN {_INTEGRAL_SQL.format(q=q)} THEN {integral} "
                   f"WHEN {NUMBER_SQL.format(q=q)} THEN trim(CAST({q} AS TEXT)) || ' {WORDS[unit]}' ")
    frac = f"substr(CASE WHEN instr({q}, '.') THEN substr({q}, instr({q}, '.') + 1) ELSE '' END || '000000', 1, 6)"
    seconds = f"CAST(strftime('%s', {q}) AS INTEGER)"
    since = _days_and_rest(seconds, 86_400, "({r} * 1000000 + CAST(" + frac + " AS INTEGER)) || ' microseconds'")
    since_epoch = f"WHEN {SINCE_EPOCH_SQL.format(q=q)} THEN {since} "
    return f"CASE {numbers}{since_epoch}ELSE CAST({q} AS TEXT) END"


def epoch_sql(q: str, unit: str, zoned: bool) -> str:
    """SQLite expression: the UTC timestamp text of integer epochs in `unit` (other values as text).

    Whole seconds go through SQLite's date functions; the sub-second part is kept as integer
    digits (floor division, so instants before 1970 stay right). `zoned`: append +00:00 so a
    timestamptz column reads UTC whatever the session's zone."""
    n = PER_SECOND[unit]
    if n == 1:
        stamp = f"datetime({q}, 'unixepoch')"
    else:
        frac = f"(({q} % {n}) + {n}) % {n}"
        digits = len(str(n)) - 1
        stamp = (f"datetime(({q} - {frac}) / {n}, 'unixepoch') || '.' || printf('%0{digits}d', {frac})")
    zone = " || '+00:00'" if zoned else ""
    return f"CASE WHEN typeof({q}) = 'integer' THEN {stamp}{zone} ELSE CAST({q} AS TEXT) END"


# the instants SQLite's date functions render (years 1..9999); beyond them datetime() answers NULL
EPOCH_LIMITS_SECONDS = (-62_135_596_800, 253_402_300_799)


def epoch_misfit_sql(q: str, unit: str, date: bool) -> str:
    """SQLite condition: an integer epoch in `unit` that the target cannot keep: outside years 1..9999, or
    (for a `date`) not at 00:00:00 UTC, whose time of day a date would drop."""
    lo, hi = (b * PER_SECOND[unit] for b in EPOCH_LIMITS_SECONDS)
    bad = f"(typeof({q}) = 'integer' AND ({q} < {lo} OR {q} > {hi}))"
    return f"({bad} OR {not_midnight_sql(q, unit)})" if date else bad


def not_midnight_sql(q: str, unit: str) -> str:
    """SQLite condition: an integer epoch in `unit` that is not at 00:00:00 UTC (a date would drop its time)."""
    return f"(typeof({q}) = 'integer' AND {q} % {86_400 * PER_SECOND[unit]} <> 0)"
