"""Run the engine's checks directly (the same functions checks/ calls) and index the outcomes."""

from __future__ import annotations

from pgparity.verify.booleans import boolean_columns, check_booleans
from pgparity.verify.content_check import check_content
from pgparity.verify.counts import check_row_count
from pgparity.verify.foreign_keys import check_foreign_keys
from pgparity.verify.objects import check_objects
from pgparity.verify.outcome import Outcome
from pgparity.verify.pairing import Comparison
from pgparity.verify.profiles import check_profiles
from pgparity.verify.rules import Settings
from pgparity.verify.schema_parity import check_schema
from pgparity.verify.sequences import check_sequences
from pgparity.verify.text_fidelity import check_text, text_columns
from pgparity.verify.timestamps import check_timestamps, timestamp_columns

CHECKS = {
    "schema": (check_schema, None),
    "row_count": (check_row_count, None),
    "content": (check_content, None),
    "profiles": (check_profiles, None),
    "foreign_keys": (check_foreign_keys, None),
    "booleans": (check_booleans, boolean_columns),
    "timestamps": (check_timestamps, timestamp_columns),
    "sequences": (check_sequences, None),
    "text": (check_text, text_columns),
    "objects": (check_objects, None),
}


def run_checks(sqlite_path, url: str, schema: str, **settings) -> dict[tuple[str, str], Outcome]:
    """Every check on every table: {(check, table): Outcome}."""
    cmp = Comparison(str(sqlite_path), url, Settings(schema=schema, **settings))
    try:
        out = {}
        for tp in cmp.tables:
            for name, (fn, applies) in CHECKS.items():
                if tp.target is not None and applies is not None and not applies(tp):
                    continue
                out[(name, tp.name)] = fn(cmp, tp)
        return out
    finally:
        cmp.close()


def failures(outcomes: dict) -> dict[tuple[str, str], str]:
    return {k: o.message() for k, o in outcomes.items() if not o.ok}
