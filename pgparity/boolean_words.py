r"""The one list of SQLite texts read as booleans, and how a text is matched against it.

A text is a boolean word when, with its leading and trailing spaces removed and ASCII letters
lowercased, it is one of TRUE_WORDS or FALSE_WORDS (the spellings PostgreSQL's boolean input takes
in full). Every reader uses this one list and spelling: SQL scans over SQLite (the profile, the
type-fit scan, the booleans check: `sql_list`, `sqlite_word`), the default translator (`word_value`)
and the content rule, in Arrow for both of its reads (`arrow_word`).

Why spaces only: SQLite's `trim(x)` removes spaces and nothing else, and the profile that decides a
column lands as boolean uses it; so '\ttrue' is not a boolean word anywhere (the column lands as
text, and content compares it as text). Before this module the content rule's Arrow read trimmed
every Unicode space and lowercased Unicode letters while its SQL read did not, so '\ttrue' was
true in one read and a difference in the other; now both agree (tests/test_type_rules.py).

Cannot see: unique prefixes PostgreSQL also accepts ('tr', 'fal', 'of'); they are not boolean
words here, so such a column lands as text rather than being guessed.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

TRUE_WORDS = ("1", "t", "true", "y", "yes", "on")
FALSE_WORDS = ("0", "f", "false", "n", "no", "off")
WORDS = TRUE_WORDS + FALSE_WORDS


def sql_list(words: tuple[str, ...]) -> str:
    """The words as an SQL IN list: '1','t',..."""
    return ",".join(f"'{w}'" for w in words)


def sqlite_word(expr: str) -> str:
    """The SQLite expression a text `expr` is matched with: spaces trimmed, ASCII lowercased."""
    return f"lower(trim({expr}))"


def word_value(text: str) -> bool | None:
    """True/False when `text` is a boolean word, else None."""
    low = _ascii_lower(text.strip(" "))
    return True if low in TRUE_WORDS else False if low in FALSE_WORDS else None


def arrow_word(texts: pa.Array) -> pa.Array:
    """1/0 (int64) where a text is a true/false word, null elsewhere."""
    low = pc.ascii_lower(pc.utf8_trim(texts.cast(pa.string()), " "))
    none = pa.scalar(None, pa.int64())
    return pc.if_else(pc.is_in(low, pa.array(TRUE_WORDS)), pa.scalar(1, pa.int64()),
                      pc.if_else(pc.is_in(low, pa.array(FALSE_WORDS)), pa.scalar(0, pa.int64()), none))


def _ascii_lower(text: str) -> str:
    return text.translate(_LOWER)


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
