"""Which SQLite values a PostgreSQL column type cannot keep exactly: as a SQLite condition, and counted
over the canonical values of the content scan.

`misfit` (SQL) is what `--data-only` refuses before writing; `canonical_fit` (polars, over the
canonical [value, odd] a comparison rule gives) is what the schema check reads from the table facts (a
target type that does not fit the values is a finding). On canonical values a number written as text
is a number, a real is the shortest decimal of its double and an integer epoch an instant, as the
content check compares them. What the canonical values cannot show: a zone offset on a text written into
a timestamp without time zone (the instant is read, the offset is gone) -- `misfit` sees that one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .profile import BOOL_TOKENS, ts_valid_sql
from .verify.json_values import INVALID

if TYPE_CHECKING:  # polars is imported where an expression is built: a migration never builds one
    import polars as pl

INT_RANGE = {"smallint": (-2**15, 2**15 - 1), "integer": (-2**31, 2**31 - 1), "bigint": (-2**63, 2**63 - 1)}


def base_type(pg_type: str) -> str:
    """'numeric(10,2)' -> 'numeric', 'timestamp(6) without time zone' -> 'timestamp without time zone'."""
    return re.sub(r"\s+", " ", re.sub(r"\(.*?\)", "", pg_type.lower())).strip()


def inexact_double(q: str, pg_type: str = "double precision") -> str:
    """SQLite condition: an integer that the float type `pg_type` does not hold exactly.

    A double (53-bit mantissa) holds every integer up to 2^53, a `real` (float4, 24 bits) up to
    2^24; beyond, only an integer whose odd part fits the mantissa (2^53 + 1 or 2^24 + 1 would be
    stored rounded). For doubles CAST to INTEGER saturates at 2^63 - 1, so the integers above the
    largest double below 2^63 are named directly; for float4 the odd part is `q / (q & -q)`."""
    if base_type(pg_type) == "real":
        lim = 2**24
        return (f"(typeof({q})='integer' AND ({q} > {lim} OR {q} < -{lim}) AND {q} <> {-2**63} AND "
                f"abs({q} / ({q} & -{q})) >= {lim})")
    return (f"(typeof({q})='integer' AND ({q} > 9007199254740992 OR {q} < -9007199254740992) AND "
            f"({q} > 9223372036854774784 OR CAST(CAST({q} AS REAL) AS INTEGER) <> {q}))")


def misfit(q: str, pg_type: str, epochs: bool | None = None) -> tuple[str | None, str]:
    """(SQLite condition true for a non-NULL value `pg_type` cannot keep, why) for the quoted column `q`.

    `epochs`: True when integers are unix epochs, False when they are not, None when either may be.
    """
    t = pg_type.lower()
    base = base_type(t)
    if base == "boolean":
        tokens = ",".join(f"'{x}'" for x in BOOL_TOKENS)
        return (f"NOT ((typeof({q}) IN ('integer','real') AND {q} IN (0,1)) OR (typeof({q})='text' AND "
                f"lower(trim({q})) IN ({tokens})))"), "not a boolean (0/1 or a boolean word)"
    if base in INT_RANGE:
        lo, hi = INT_RANGE[base]
        return f"typeof({q}) <> 'integer' OR {q} < {lo} OR {q} > {hi}", f"not an integer that fits {base}"
    if base == "numeric":
        bad = f"typeof({q}) NOT IN ('integer','real')"
        if m := re.search(r"\((\d+)(?:,\s*(\d+))?\)", t):
            p, s = int(m.group(1)), int(m.group(2) or 0)
            # round() answers a real: an integer (exact as it is) is only measured, never rounded
            bad += f" OR (typeof({q})='real' AND round({q},{s}) <> {q}) OR {q} >= 1e{p - s} OR {q} <= -1e{p - s}"
        return bad, f"not a number that {pg_type} keeps exactly"
    if base in ("double precision", "real"):
        bits, beyond = ("float4 (real)", "2^24") if base == "real" else ("double", "2^53")
        return f"typeof({q}) NOT IN ('integer','real') OR {inexact_double(q, base)}", \
            f"not a number, or an integer no {bits} holds exactly (beyond {beyond})"
    if base.startswith("timestamp") or base == "date":
        if epochs:
            return f"typeof({q}) <> 'integer' OR {q} < 0", "not a unix epoch"
        ok = ts_valid_sql(q) if epochs is False else f"({ts_valid_sql(q)} OR typeof({q}) = 'integer')"
        bad = f"NOT {ok}"
        if base == "timestamp without time zone":
            return (bad + f" OR {q} GLOB '*[+-][0-9][0-9]:[0-9][0-9]' OR {q} GLOB '*Z'",
                    "not a timestamp without zone (a zone offset would be dropped)")
        if base == "date":  # midnight fits a date; any other time of day would be dropped
            timed = (f"(typeof({q})='text' AND length({q}) <> 10 AND (julianday({q}) <> julianday(date({q})) "
                     f"OR substr({q}, 20) GLOB '*[1-9]*'))")
            return bad + f" OR {timed}", "not a plain date (a time of day would be lost)"
        return bad, "not a timestamp"
    if m := re.match(r"(character varying|character|varchar|char)\((\d+)\)", t):
        return f"length(CAST({q} AS TEXT)) > {m.group(2)}", f"longer than {pg_type}"
    if base in ("json", "jsonb"):
        return f"NOT json_valid({q})", "not valid JSON"
    return None, ""




@dataclass(frozen=True)
class CanonicalFit:
    """How values a column type cannot keep are counted on canonical values: every odd one (a value the
    comparison rule cannot read as the type), plus the read values `beyond` is true for (out of range, too
    many digits, too long, not JSON); `why` is what the schema check says of them."""

    why: str
    beyond: Callable[[pl.Expr], pl.Expr] | None = None


def canonical_fit(kind: str, pg_type: str) -> CanonicalFit | None:
    """How misfits of `pg_type` are counted for a column of canonical `kind` (column_facts.kind_of); None
    where the type keeps every canonical value of its kind (text, bytea, uuid, ...). A float4's inexact
    integers are counted by `float4_misfits` (doubles are bits in the canonical form)."""
    base = base_type(pg_type)
    _, why = misfit("x", pg_type)
    if (base == "boolean" and kind == "bool") or (base in ("double precision", "real") and kind == "float"):
        return CanonicalFit(why)
    if base in INT_RANGE and kind == "int":
        lo, hi = INT_RANGE[base]
        return CanonicalFit(why, None if base == "bigint" else lambda v: (v < lo) | (v > hi))
    if base == "numeric" and kind == "dec":
        m = re.search(r"\((\d+)(?:,\s*(\d+))?\)", pg_type)
        if m is None:  # numeric keeps every number, Infinity too
            return CanonicalFit(why)
        p, s = int(m.group(1)), int(m.group(2) or 0)

        def beyond(v: pl.Expr) -> pl.Expr:
            """Canonical decimal text (exact_numbers: no exponent, no leading zero but '0.'): digits measured
            by length and the position of '.', no regex (a column of numbers is read on every scan)."""
            import polars as pl

            n = v.str.len_bytes().cast(pl.Int64)
            dot = v.str.find(".", literal=True).cast(pl.Int64)
            whole = pl.when(v.str.starts_with("0") | v.str.starts_with("-0")).then(0) \
                .otherwise(dot.fill_null(n) - v.str.starts_with("-").cast(pl.Int64))
            return v.is_in(["Infinity", "-Infinity", "NaN"]) | (whole > p - s) | ((n - dot - 1).fill_null(0) > s)
        return CanonicalFit(why, beyond)
    if (base.startswith("timestamp") or base == "date") and kind in ("ts", "tstz", "date"):
        return CanonicalFit("not a plain date (a time of day would be lost)" if base == "date" else "not a timestamp")
    if (m := re.match(r"(character varying|character|varchar|char)\((\d+)\)", pg_type.lower())) and kind == "text":
        n = int(m.group(2))
        return CanonicalFit(why, lambda v: v.str.len_chars() > n)
    if base in ("json", "jsonb") and kind == "json":
        return CanonicalFit(why, lambda v: v.str.starts_with(INVALID))
    return None


def float4_misfits(x: np.ndarray) -> int:
    """How many doubles are integers beyond 2^24 that a float4 does not hold exactly (`inexact_double`)."""
    big = x[np.isfinite(x) & (np.abs(x) > 2**24)]
    big = big[big == np.floor(big)]
    return int(np.count_nonzero(big.astype(np.float32).astype(np.float64) != big))
