"""Small helpers shared by the tests: run a migration through the library like the CLI does."""

from __future__ import annotations

from pgparity.migration import MigrateOptions, Prepared, prepare, run
from pgparity.plan import PlanOptions
from pgparity.preflight import Policy


def options(schema: str, **kw) -> MigrateOptions:
    plan_kw = {k: kw.pop(k) for k in ("strict_types", "lowercase_names", "source_tz") if k in kw}
    policy_kw = {k: kw.pop(k) for k in ("orphans", "nul", "bad_utf8") if k in kw}
    if "strict_types" in plan_kw:
        policy_kw["strict_types"] = plan_kw["strict_types"]
    return MigrateOptions(plan=PlanOptions(schema=schema, **plan_kw), policy=Policy(**policy_kw), **kw)


def migrate(path, target, **kw) -> Prepared:
    """Migrate `path` into the test's schema; returns the prepared plan (source closed)."""
    opts = options(target.schema, **kw)
    prep = prepare(path, opts)
    try:
        run(prep, target.url, opts)
    finally:
        prep.source.close()
    return prep
