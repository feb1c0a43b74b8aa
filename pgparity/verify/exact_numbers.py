"""Numbers as an application reads them: decimals as exact decimal text, doubles as their bits.

Decimal text is normalised so that one number has one spelling: no '+', no leading or trailing
zeros, no exponent, '-0' is '0' (PostgreSQL's numeric output '19.990' and SQLite's real 19.99 both
read '19.99'; 1500000000000000000 and ...001 stay two numbers). A SQLite real is the shortest
decimal that reads back as the same double: what the application wrote as 19.99.

Everything is vectorised with Arrow compute; only values in exponent form ('1e+16', '1.5e-7', rare
in decimal columns) are expanded one by one.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_NULL_TEXT = pa.scalar(None, pa.string())
TWO_53 = 2**53
TWO_63_AS_DOUBLE = 9.223372036854775808e18


def _plain(text: pa.Array) -> pa.Array:
    """Normalise numbers written without an exponent (every value must match `_NUMBER`, or be null)."""
    v = pc.replace_substring_regex(text, r"^\+", "")
    v = pc.replace_substring_regex(v, r"^(-?)\.", "\\1" + "0.")
    v = pc.replace_substring_regex(v, r"^(-?)0+([0-9])", "\\1\\2")
    v = pc.replace_substring_regex(v, r"^(-?[0-9]+)\.0*$", "\\1")
    v = pc.replace_substring_regex(v, r"^(-?[0-9]+\.[0-9]*?)0+$", "\\1")
    return pc.replace_substring_regex(v, r"^-0$", "0")


def _expand_exponents(text: pa.Array, has_exp: pa.Array) -> pa.Array:
    """Exponent forms written out in full (rare path: only those values, one by one)."""
    if not pc.any(has_exp).as_py():
        return text
    values = text.to_pylist()
    for i in np.flatnonzero(has_exp.fill_null(False).to_numpy(zero_copy_only=False)):
        try:
            values[i] = format(Decimal(values[i]), "f")
        except InvalidOperation:  # not reachable for text matching _NUMBER; kept as written
            pass
    return pa.array(values, pa.string())


def decimal_text(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(normalised decimal text, True where a non-null value is not a number); non-numbers are null."""
    text = text.cast(pa.string())
    if text.null_count == len(text):  # the usual case: a numeric column holds numbers, not text
        return text, pa.array(np.zeros(len(text), bool))
    ok = pc.fill_null(pc.match_substring_regex(text, _NUMBER), False)
    bad = pc.and_(pc.is_valid(text), pc.invert(ok))
    numbers = pc.if_else(ok, text, _NULL_TEXT)
    has_exp = pc.fill_null(pc.match_substring_regex(numbers, "[eE]"), False)
    return _plain(_expand_exponents(numbers, has_exp)), bad


PG_DECIMAL = "trim_scale({p})::text"  # PostgreSQL writes numeric without exponent; trim_scale drops the scale's zeros


def double_text(reals: pa.Array) -> pa.Array:
    """Doubles as the shortest decimal that reads back as the same double, normalised; ±inf as PostgreSQL's.

    Arrow already writes the shortest digits without '+', leading or trailing zeros ('19.99', '3');
    only -0, infinities and the exponent forms ('1e+16', '1.5e-07') need more."""
    reals = reals.cast(pa.float64())
    shown = reals.cast(pa.string())
    has_exp = pc.fill_null(pc.match_substring(shown, "e"), False)
    shown = _expand_exponents(shown, has_exp)
    shown = pc.if_else(pc.equal(reals, 0.0), "0", shown)
    if pc.any(pc.is_inf(reals)).as_py():
        shown = pc.if_else(pc.is_inf(reals), pc.if_else(pc.greater(reals, 0.0), "Infinity", "-Infinity"), shown)
    return shown


def real_as_text(reals: pa.Array) -> pa.Array:
    """Doubles as text: the shortest digits that read back as the same double, with SQLite's look of a
    real kept (3.0, not 3). The one rendering both the migration (pgparity.reader) and the checks use."""
    shown = reals.cast(pa.string())
    integral = pc.match_substring_regex(shown, r"^-?[0-9]+$")
    return pc.if_else(integral, pc.binary_join_element_wise(shown, ".0", ""), shown)


def int_text(ints: pa.Array) -> pa.Array:
    return ints.cast(pa.int64()).cast(pa.string())


def exact_in_double(ints: pa.Array) -> pa.Array:
    """True where a 64-bit integer is exactly a double (every |i| <= 2^53, and larger ones that happen to be)."""
    ints = ints.cast(pa.int64())
    as_double = ints.cast(pa.float64(), safe=False)
    small = pc.and_(pc.greater_equal(ints, -TWO_53), pc.less_equal(ints, TWO_53))
    in_range = pc.less(as_double, TWO_63_AS_DOUBLE)
    back = pc.cast(pc.if_else(in_range, as_double, 0.0), pa.int64(), safe=False)
    return pc.or_(small, pc.and_(in_range, pc.equal(back, ints)))


def double_bits(arr: pa.Array, tolerance: float = 0.0) -> pa.Array:
    """Doubles as their 64 bits (exact), or with the mantissa cut to a bucket no wider than `tolerance`.

    With a relative tolerance t the mantissa keeps k bits, 2^(1-k) <= t: two doubles in one bucket
    differ by less than t times either, so a bucket never hides a real difference; two doubles within
    t of each other may still fall on both sides of a bucket edge, and the detail stage re-checks those
    rows exactly (|a - b| <= t * max(|a|, |b|)).
    """
    arr = arr.cast(pa.float64())
    bits = arr.fill_null(0.0).view(pa.int64()) if arr.null_count else arr.view(pa.int64())
    if tolerance:
        keep = min(53, int(np.ceil(np.log2(2.0 / tolerance))))
        if keep < 53:
            bits = pc.bit_wise_and(bits, pa.scalar(~((1 << (53 - keep)) - 1), pa.int64()))
    return pc.if_else(arr.is_null(), pa.scalar(None, pa.int64()), bits) if arr.null_count else bits


def within_tolerance(a_bits: int, b_bits: int, tolerance: float) -> bool:
    """Two doubles (given as bits) differ by at most `tolerance` relative to the larger."""
    a, b = (np.array([x], np.int64).view(np.float64)[0] for x in (a_bits, b_bits))
    if a == b:
        return True
    return bool(abs(a - b) <= tolerance * max(abs(a), abs(b)))
