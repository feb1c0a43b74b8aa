"""Progress for long work: a bar per table on a terminal, plain lines elsewhere (CI logs)."""

from __future__ import annotations

import sys
import time


class TableProgress:
    """Callable(table, done, total) that renders progress to stderr."""

    def __init__(self, stream=None, force_plain: bool = False):
        self.stream = stream or sys.stderr
        self.tty = not force_plain and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._bar = None
        self._table = None
        self._started = 0.0
        self._last = 0

    def __call__(self, table: str, done: int, total: int) -> None:
        """done < 0 says the table is finished."""
        if done < 0:
            if self._bar is not None:
                self._bar.update(total - self._bar.n)
            self._last = total
            self._finish()
            self._table = None
            return
        if table != self._table:
            self._finish()
            self._table, self._started = table, time.monotonic()
            if self.tty:
                from tqdm import tqdm

                unit = "stmt" if table.startswith("(") else "rows"
                self._bar = tqdm(total=total, desc=table[:30], unit=unit, unit_scale=total >= 10_000,
                                 file=self.stream, leave=True, dynamic_ncols=True)
            return
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
        self._last = done

    def _finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._table is not None and not self.tty:
            secs = time.monotonic() - self._started
            done = self._last
            rate = done / secs if secs > 0 else 0
            unit = "statements" if self._table.startswith("(") else "rows"
            print(f"  {self._table}: {done} {unit} in {secs:.2f}s ({rate:,.0f} {unit}/s)", file=self.stream)
        self._last = 0

    def close(self) -> None:
        self._finish()
        self._table = None
