"""pyarrow without pandas for Python-value conversions: imported first by the two entry points (the pytest
plugin and migrate's CLI), it saves each of them the 0.2-0.3 s pandas import.

pyarrow imports pandas at its first pa.array or pa.scalar of Python values only to recognise pandas objects
(pd.NA, a Series), which pgparity never hands it. Importing this module asks pyarrow once, with pandas
unimportable, so pyarrow remembers "no pandas" for those conversions. A pyarrow call that needs pandas
(to_pandas; Great Expectations) still imports it when made: pyarrow's shim tries again then.

Cannot see: a later caller handing pyarrow a pandas object inside the same process would not have it
recognised as one (no code of pgparity does; GX converts through to_pandas).
"""

from __future__ import annotations

import sys


class _NoPandas:
    """A finder that makes `import pandas` fail while pyarrow's shim is asked."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "pandas":
            raise ImportError("pandas is not looked at by pgparity's checks or its migration")
        return None


def arrow_without_pandas() -> None:
    if "pandas" in sys.modules:
        return
    import pyarrow

    shim = getattr(pyarrow.lib, "_pandas_api", None)
    if shim is None:
        return
    sys.meta_path.insert(0, _NoPandas)
    try:
        _ = shim.have_pandas  # the Python side (is this a pandas object?)
        pyarrow.scalar(0)  # the C++ side (Python values to Arrow)
    finally:
        sys.meta_path.remove(_NoPandas)


arrow_without_pandas()
