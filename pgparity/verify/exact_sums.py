"""Exact sums of a batch of 64-bit integers or doubles, vectorised, as Python integers that never overflow.

SQLite's sum() raises "integer overflow" past 2^63 and PostgreSQL's sum(float8) raises "value out of
range" near 1.7e308; either way a profile on equal data fails. Here each value is split into parts
small enough that numpy adds them exactly, and Python's unbounded integers join the parts.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

_LOW32 = np.int64(0xFFFFFFFF)
_LOW26 = np.int64((1 << 26) - 1)
_SCALE = 1126  # doubles are m * 2^(e-53) with e >= -1073: sums are kept in units of 2^-1126
_ABS = np.int64(0x7FFF_FFFF_FFFF_FFFF)
_MANTISSA = np.int64((1 << 52) - 1)
_IMPLICIT = np.int64(1 << 52)  # the leading 1 of a normal double's mantissa
_SPAN = 10  # exponents apart that one int64 per value still holds (2^53 << 10 < 2^63)
_SPLIT_SPAN = 35  # the same for halves of a mantissa (2^27 << 35 < 2^63)


def int_sum(values: np.ndarray, bound: int | None = None) -> int:
    """The exact sum of int64 values (fewer than 2^31 of them: each half's sum stays below 2^63). `bound`: no
    value is larger in size (then, if that many of them cannot overflow, numpy's own sum is exact)."""
    v = values.astype(np.int64, copy=False)
    if bound is not None and bound * len(v) < 2**63:
        return int(np.sum(v, dtype=np.int64))
    high = int(np.sum(v >> np.int64(32), dtype=np.int64))
    low = int(np.sum(v & _LOW32, dtype=np.int64))
    return (high << 32) + low


def float_sum_units(values: np.ndarray) -> int:
    """The exact sum of finite doubles, in units of 2^-1126 (see `units_to_fraction`).

    Each double is an integer mantissa m (|m| < 2^53) times a power of two. Where every non-zero value is a
    normal double within 2^35 of the others in size (prices, measures: almost always), each mantissa is
    shifted to the smallest exponent and the integers are summed exactly (int_sum): whole within 2^10
    (|m| << 10 < 2^63), else as two halves of 27 and 26 bits; otherwise `_sum_by_exponent`.
    """
    x = values.astype(np.float64, copy=False)
    bits = x.view(np.int64)
    size = bits & _ABS  # the bits without the sign: exponent, then mantissa
    top = int(size.max()) if len(size) else 0
    if not top:
        return 0
    nonzero = size != 0
    low, high = int(np.min(size, where=nonzero, initial=top)) >> 52, top >> 52
    if low == 0 or high - low > _SPLIT_SPAN:  # subnormals, or magnitudes far apart
        return _sum_by_exponent(x)
    m = bits & _MANTISSA
    np.bitwise_or(m, _IMPLICIT, out=m, where=nonzero)
    shift = (size >> np.int64(52)) - low
    negative = bits < 0
    scale = low - 1075 + _SCALE  # a double is m * 2^(exponent - 1075)
    if high - low <= _SPAN:
        m <<= shift
        np.negative(m, out=m, where=negative)
        return int_sum(m) << scale
    upper = m >> np.int64(26)
    m &= _LOW26
    for part in (upper, m):
        part <<= shift
        np.negative(part, out=part, where=negative)
    return ((int_sum(upper) << 26) + int_sum(m)) << scale


def _sum_by_exponent(values: np.ndarray) -> int:
    """float_sum_units for any finite doubles: mantissas split into 26-bit halves and added per exponent with
    float64 weights, exact below 2^53 (batches < 2^26 values)."""
    mantissa, exponent = np.frexp(values.astype(np.float64, copy=False))
    m = (mantissa * 2.0**53).astype(np.int64)
    shift = (exponent + (_SCALE - 53)).astype(np.intp)
    high = np.bincount(shift, weights=(m >> np.int64(26)).astype(np.float64))
    low = np.bincount(shift, weights=(m & _LOW26).astype(np.float64))
    total = 0
    for s in np.flatnonzero((high != 0) | (low != 0)):
        total += ((int(high[s]) << 26) + int(low[s])) << int(s)
    return total


def units_to_fraction(units: int) -> Fraction:
    return Fraction(units, 1 << _SCALE)
