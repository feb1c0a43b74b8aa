"""Import Great Expectations without the parts its suites here never call: scipy.stats and altair wait for use.

`import great_expectations` registers every expectation class, and two of them (the KL-divergence and KS-test
ones) import scipy.stats and altair at module level: about 1 s of CPU in a 2.5 s import, for statistics and
charts that only those expectations use, when they run or are rendered. Each of the two is entered in
sys.modules as a stand-in module that imports the real one at its first attribute lookup and from then on
is it (its namespace is the real module's): an expectation that needs scipy.stats gets it, at that moment.

Python's own importlib.util.LazyLoader cannot do this on 3.11: the import system reads the module's
__spec__ on every later `import`, which loads it at once.
"""

from __future__ import annotations

import gc
import importlib
import importlib.machinery
import importlib.util
import sys
import threading
import types

DEFERRED = ("scipy.stats", "altair")
_lock = threading.RLock()


class _Deferred(types.ModuleType):
    """Stands for a module not imported yet; the first attribute it does not have imports it."""

    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__") and attr not in ("__all__", "__version__", "__path__"):
            # e.g. __spec__/__loader__ probes; __path__ (a submodule import) and __all__ (import *) load it
            raise AttributeError(attr)
        return getattr(_load(self), attr)


def _load(stand_in: _Deferred) -> types.ModuleType:
    name = stand_in.__name__
    if sys.modules.get(name) is stand_in:
        del sys.modules[name]
    try:
        real = importlib.import_module(name)  # another thread loading it at once: the import lock orders them
    except BaseException:
        sys.modules.setdefault(name, stand_in)
        raise
    stand_in.__dict__.update(real.__dict__)  # who kept the stand-in sees the real names from now on
    return real


def _defer(name: str) -> None:
    if name in sys.modules:
        return
    parent, _, leaf = name.rpartition(".")
    try:
        spec = importlib.util.find_spec(name)  # imports the parent package (scipy's own init is light)
    except (ImportError, ValueError):
        return
    if spec is None:
        return
    stand_in = _Deferred(name)
    stand_in.__spec__ = importlib.machinery.ModuleSpec(name, None)
    stand_in.__file__ = spec.origin
    sys.modules[name] = stand_in
    if parent and parent in sys.modules and leaf not in vars(sys.modules[parent]):
        setattr(sys.modules[parent], leaf, stand_in)


def import_gx():
    """great_expectations, imported with scipy.stats and altair deferred (see above)."""
    with _lock:
        if "great_expectations" in sys.modules:
            import great_expectations

            return great_expectations
        for name in DEFERRED:
            _defer(name)
        # the import builds ~300 pydantic classes: the cyclic collector would walk the growing heap again and
        # again (~15% of the import's CPU) for no garbage; what it loads lives to the end, so it is frozen
        # out of later collections too (as the pytest plugin does with what collection loaded)
        enabled = gc.isenabled()
        gc.disable()
        try:
            import great_expectations
        finally:
            if enabled:
                gc.enable()
        gc.freeze()
        return great_expectations
