"""Scans ahead: each table's content scan runs in one background worker, in the order the tests ask.

    schedule = ScanSchedule(cmp, ["orders", "items"])   # the tables whose selected checks read the scan
    schedule.start()
    content_of(cmp, tp)    # waits for that table's scan (content_check.content_of), never reads again
    schedule.close()       # at the end of the session: nothing further is started, a scan under way stops

The worker scans the tables one after the other, at most AHEAD tables beyond the last one a test has
asked for, so while the checks of one table run the next table's scan is under way (a scan itself keeps
both cores busy: one thread per side), and a stopped run (-x, Ctrl-C) reads little it does not use.
It reads over the comparison's scan view (pairing.Comparison.scan_view: its own connections, the same
snapshots), so the checks running meanwhile keep the comparison's connections to themselves.
A scan's error is kept with the table and raised, unchanged, in every test that asks for that table.

Which checks read the scan is said once here (READS_SCAN); a check that reads it without being listed
still gets it (computed when it asks), only not ahead; a listed check deselected by -k/-m/--table costs
no read.
"""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError, Future
from concurrent.futures import wait as futures_wait

from .content import ContentResult, compare_content
from .pairing import Comparison

AHEAD = 2  # tables scanned beyond the last one asked for
WAIT_SLICE = 0.25  # seconds a test waits for a scan between two looks at signals (Ctrl-C)
# the checks (test function names without test_) that read the content scan or its facts
READS_SCAN = frozenset({"content", "profiles", "booleans", "timestamps", "text", "schema", "row_count"})


class PendingScan(Future):
    """A table's scan, started or not yet; asking for its result tells the schedule how far the tests are."""

    def __init__(self, schedule: ScanSchedule, position: int):
        super().__init__()
        self._schedule, self._position = schedule, position

    def result(self, timeout: float | None = None) -> ContentResult:
        self._schedule.reached(self._position)
        if timeout is None:  # in short waits: a Ctrl-C delivered to another thread is seen between two
            while not self.done():
                futures_wait([self], timeout=WAIT_SLICE)
        return super().result(timeout)


class ScanSchedule:
    """One worker thread scanning `tables` in order, ahead of the tests; results land in cmp.cache."""

    def __init__(self, cmp: Comparison, tables: list[str]):
        self._cmp = cmp
        self._tables = tables
        self._pending = [PendingScan(self, i) for i in range(len(tables))]
        self._asked = -1  # position of the last table a test asked for
        self._stopped = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="pgparity-scan", daemon=True)
        for name, pending in zip(tables, self._pending):
            cmp.cache[f"content:{name}"] = pending

    def start(self) -> None:
        if self._tables:
            self._thread.start()

    def reached(self, position: int) -> None:
        with self._wake:
            if position > self._asked:
                self._asked = position
                self._wake.notify()

    def _run(self) -> None:
        for i, name in enumerate(self._tables):
            with self._wake:
                self._wake.wait_for(lambda i=i: self._stopped or i <= self._asked + AHEAD)
                if self._stopped:
                    return
            pending = self._pending[i]
            if not pending.set_running_or_notify_cancel():
                continue
            try:
                view = self._cmp.scan_view()
                pending.set_result(compare_content(view, view.table(name)))
            except BaseException as exc:  # noqa: BLE001 - raised again in the test that asks for the table
                pending.set_exception(exc)

    def close(self) -> None:
        """At the end of the session no test asks any more: start nothing further, stop the scan under way
        (-x, Ctrl-C) at its next batch, and wait for it (its connections close after it)."""
        with self._wake:
            self._stopped = True
            self._wake.notify()
        for pending in self._pending:
            pending.cancel()
        self._cmp.stopping.set()
        if self._thread.is_alive():
            self._thread.join()


def settled(found: object) -> ContentResult | None:
    """A cached content result: a finished one as it is, a pending scan once it is done (None when it was
    cancelled: never started, the caller scans itself)."""
    if not isinstance(found, PendingScan):
        return found  # type: ignore[return-value]
    try:
        return found.result()
    except CancelledError:
        return None
