"""Table facts, the API: what the one content scan learnt about every compared column, on both sides.

    facts = facts_of(cmp, tp)                      # TableFacts, cached with the content result
    f = facts.source.columns["price"]              # ColumnFacts (facts.target: PostgreSQL's side)
    f.nulls, f.odd, f.distinct, f.minimum, f.maximum, f.total, f.longest, f.total_length, f.trues, ...

Every statistic is taken on the canonical values the content check compares (column_facts.py says
which statistic exists for which kind of column and in what unit), so the two sides' facts are equal
whenever the content check passes, and a check that reads them costs no read of its own: the table is
read once per side per comparison, whichever checks run.

Who reads what (each is one column's facts on both sides; none of these checks reads rows of its own on a
passing table, and only a failing one fetches a few rowids to name its examples):
  booleans    trues / falses / nulls and odd (SQLite values that are no boolean) for bool-rule columns;
              words (true/false/other) for a declared BOOLEAN landed as integer or text
  timestamps  odd (texts that do not read as a time), fractional, minimum / maximum (canonical microseconds
              or days) for ts / tstz / date columns; as_time for a declared DATETIME/DATE landed as text,
              epoch_fractions (and minimum / maximum) for one landed as integer
  text        total_length, longest, nul_values / nul_chars (characters) for text columns
  row_count   source.rows / target.rows
  schema      source nulls (a lost NOT NULL or PRIMARY KEY) and misfits (values the PostgreSQL type cannot
              keep, counted on the canonical values by fit.canonical_fit)
  profiles    nulls, odd, distinct, minimum / maximum, total, longest, total_length, trues / falses
              (profiles.STATS)
Columns whose rule is not the check's own (a BOOLEAN or DATETIME declaration landed as integer or
text) have facts under their actual rule (int, text), plus what their declaration reads (words, as_time,
epoch_fractions).
"""

from __future__ import annotations

from .column_facts import ColumnFacts, SideFacts, TableFacts
from .content_check import content_of
from .pairing import Comparison, TablePair

__all__ = ["ColumnFacts", "SideFacts", "TableFacts", "facts_of"]


def facts_of(cmp: Comparison, tp: TablePair) -> TableFacts:
    """The table's facts on both sides, from the content scan (run once per Comparison, then cached)."""
    facts = content_of(cmp, tp).facts
    if facts is None:  # a content result made without facts (not by compare_content)
        raise ValueError(f"{tp.name}: no table facts were gathered by the content scan")
    return facts
