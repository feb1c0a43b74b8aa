"""Drift (nightly): `pytest checks/ -m drift`.

test_drift[table]       today's PostgreSQL against the last accepted baseline, by the table's rule
                        (append-only, reference, growth band; none: any change is drift); no baseline
                        fails; `--update-baseline` accepts today
test_drift_live[table]  live SQLite against PostgreSQL, each read in one consistent snapshot while
                        applications keep writing (--incremental: only rows past the baseline's key,
                        and it says so: an old row changed on one side only is not seen then)
"""

import pytest

from pgparity.verify.drift import check_drift
from pgparity.verify.live import check_live

pytestmark = pytest.mark.drift


def test_drift(comparison, table, verdict, drift_state):
    outcome, today = check_drift(comparison, table, drift_state.settings, drift_state.baseline, drift_state.update)
    drift_state.record(table.name, outcome, today)
    verdict(outcome)


def test_drift_live(comparison, table, verdict, drift_state):
    verdict(check_live(comparison, table, drift_state.settings, drift_state.baseline))
