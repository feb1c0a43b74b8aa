"""Read ahead: an iterator of batches consumed in a thread of its own, a bounded number of items ahead.

    with closing(ahead(cursor_batches, depth=4)) as batches:
        for batch in batches: ...   # the next batches are read meanwhile (the drivers release the GIL)

Used by the content scan (each side read one batch ahead of its canonical form) and by migrate's loader
(SQLite read ahead of the COPY rendering). A reader's error is raised in the consumer, unchanged; closing the
iterator (contextlib.closing, or the end of the loop) stops the reader and waits for it, so its connection is
free for another query afterwards.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator


class _Failed:
    def __init__(self, exc: BaseException):
        self.exc = exc


_DONE = object()


def ahead(batches: Iterable, depth: int = 1) -> Iterator:
    """`batches` read in a thread of their own, at most `depth` batches ahead of the caller: the drivers read
    without holding the GIL, so the next batch is read while this one is made canonical, hashed and counted.
    A reader's error is raised here, unchanged; when the caller stops early (an exception, a stopped run) and
    closes it (contextlib.closing), the reader stops too and is waited for: it closes its cursor before the
    connection serves another query."""
    pending: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        last: object = _DONE
        try:
            for batch in batches:
                pending.put(batch)
                if stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            last = _Failed(exc)
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()
        pending.put(last)

    reader = threading.Thread(target=read, name="pgparity-read", daemon=True)
    reader.start()
    try:
        while True:
            item = pending.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting to hand over a batch
            try:
                pending.get(timeout=0.01)
            except queue.Empty:
                pass
        reader.join()
