"""`migrate.py`: the command line over pgparity.migration. It presents; the engine decides."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import time

from . import __version__, arrow_no_pandas  # noqa: F401 - arrow_no_pandas first: no pandas import
from .errors import PgParityError, RefusedError, UsageError
from .migration import MigrateOptions, backup, dry_run_text, manifest, phase_lines, prepare, run, write_manifest
from .orm.design import OrmDesign
from .orm.detect import Orm, detect, next_steps
from .plan import PlanOptions
from .preflight import Policy
from .progress import TableProgress
from .source import SqliteSource

DESCRIPTION = """\
Copy a SQLite database into PostgreSQL in one transaction, and record what was done.

The SQLite file is opened read-only. Types follow SQLite's affinities *and* the values actually
present; every departure from a declared type is printed. Before writing, a preflight looks for
what PostgreSQL cannot keep (FK orphans, NUL characters, invalid UTF-8) and refuses, naming
table, column and rowid, unless you choose a policy below. Nothing is committed unless every
table, key and constraint loaded.
"""

EPILOG = """\
where PostgreSQL comes from (first that applies):
  --pg URL, else $DATABASE_URL, else a throwaway server started for you
  (Docker via testcontainers when an engine answers, else an embedded PostgreSQL whose data
  stays in ./.pgparity; stop it with: python -m pgparity.server stop)

examples:
  python migrate.py app.db --dry-run                 # the plan: DDL and the rule per column
  python migrate.py app.db                           # rehearse on the throwaway server
  python migrate.py app.db --pg postgresql://app@db.example/app --backup backups/
  python migrate.py app.db --pg $DATABASE_URL --data-only --truncate   # schema made by the app/ORM
  python migrate.py app.db --orphans not-valid --nul-policy strip      # accept known defects

integers that are durations or instants are never read in a guessed unit (--data-only):
  into interval: --interval-unit, else microseconds when the file has a django_migrations table
  into timestamp/date: --epoch-unit, else the one unit in which every value is an instant in 1973..2242
  otherwise the column is refused before anything is written, naming table, column and the option

a file made by an ORM (django_migrations, alembic_version, schema_migrations + ar_internal_metadata):
  the ORM is named first; a full migration stops with the steps to the ORM's own PostgreSQL schema
  (then --data-only), unless --design-schema: each column gets the type that ORM creates on PostgreSQL
  (--django-settings / --sqlalchemy-models: read from the models, else from the file's spellings)

exit codes: 0 migrated, 2 usage, 3 source unreadable, 4 PostgreSQL error, 5 refused (nothing written)
"""


class _Parser(argparse.ArgumentParser):
    """argparse, plus "did you mean --data-only?" for an option that does not exist."""

    def error(self, message: str):
        super().error(message + _did_you_mean(message, list(self._option_string_actions)))


def _did_you_mean(message: str, options: list[str]) -> str:
    m = re.search(r"unrecognized arguments: (.*)", message)
    hints = []
    for token in (m.group(1).split() if m else []):
        name = token.split("=", 1)[0]
        if name.startswith("-") and (close := difflib.get_close_matches(name, options, n=1, cutoff=0.6)):
            hints.append(f"{name}: did you mean {close[0]}?")
    return f" ({'; '.join(hints)})" if hints else ""


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="migrate.py", description=DESCRIPTION, epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sqlite", help="path of the SQLite database file (read-only)")
    p.add_argument("--version", action="version", version=f"migrate.py (pgparity) {__version__}")
    p.add_argument("--pg", metavar="URL", help="target PostgreSQL URL (default: $DATABASE_URL, else throwaway)")
    p.add_argument("--pg-schema", "--schema", dest="schema", default="public", metavar="NAME",
                   help="target PostgreSQL schema (default: public)")
    p.add_argument("--dry-run", action="store_true", help="print the plan (DDL and rules) and touch nothing")
    p.add_argument("--drop-existing", action="store_true",
                   help="replace target tables of the same names (inside the same transaction)")
    p.add_argument("--data-only", action="store_true",
                   help="the schema already exists (made by the app/ORM): load into it without altering it")
    p.add_argument("--truncate", action="store_true", help="with --data-only: empty target tables that hold rows")
    p.add_argument("--table", action="append", default=[], metavar="NAME", help="migrate only this table (repeat)")
    p.add_argument("--exclude-table", "--exclude", dest="exclude", action="append", default=[], metavar="NAME",
                   help="skip this table (repeat)")
    p.add_argument("--backup", metavar="DIR", help="first copy the SQLite file into DIR (SQLite online backup)")
    p.add_argument("--reports", default="reports", metavar="DIR", help="where migration.json goes (default: reports)")
    p.add_argument("--allow-stale-read", "--allow-immutable", dest="allow_stale_read", action="store_true",
                   help="when the file can only be opened with immutable=1 (read-only folder), read it even if a "
                        "-wal file or hot journal holds writes the main file lacks (they are ignored)")
    _policy_options(p)
    _unit_options(p)
    _orm_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    return p


def _policy_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("policies for values PostgreSQL cannot keep as they are (default: refuse)")
    g.add_argument("--orphans", choices=["refuse", "not-valid"], default="refuse",
                   help="rows whose FK parent is missing: refuse, or load them and create the FK NOT VALID")
    g.add_argument("--nul-policy", "--nul", dest="nul", choices=["fail", "refuse", "strip"], default="fail",
                   metavar="{fail,strip}", help="NUL characters in text: fail (= refuse, the default) or strip them")
    g.add_argument("--bad-utf8", choices=["refuse", "replace"], default="refuse",
                   help="text that is not UTF-8: refuse, or replace bad bytes with U+FFFD")
    g.add_argument("--strict-types", action="store_true",
                   help="refuse instead of widening a column whose values do not fit its declared type")
    g.add_argument("--lowercase-names", action="store_true",
                   help="fold table and column names to lower case (for apps that write unquoted SQL)")
    g.add_argument("--source-tz", metavar="ZONE",
                   help="zone of naive SQLite timestamps when the target column is timestamptz (default: UTC; "
                        "with --django-settings: UTC under USE_TZ, else TIME_ZONE)")


def _orm_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("files made by an ORM (Django, SQLAlchemy/Alembic, Rails)")
    g.add_argument("--design-schema", action="store_true",
                   help="migrate an ORM's file in full anyway: each column gets the type the ORM creates on "
                        "PostgreSQL (the better way: the ORM makes the schema, then --data-only); a column the file "
                        "alone cannot decide (Django bigint: BigIntegerField or DurationField, integer keys, decimal "
                        "digits; SQLAlchemy DATETIME: DateTime or Interval) is refused (exit 2) unless the models "
                        "are given: --django-settings / --sqlalchemy-models")
    g.add_argument("--django-settings", metavar="MODULE",
                   help="with --design-schema: read the types from the project's models (project on PYTHONPATH); "
                        "with --design-schema or --data-only: naive texts are in UTC under USE_TZ, else in TIME_ZONE "
                        "(as --source-tz)")
    g.add_argument("--sqlalchemy-models", metavar="MODULE:ATTR",
                   help="with --design-schema: read the types from this MetaData or declarative base")


def _unit_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("units of integers that become durations or instants (--data-only)")
    g.add_argument("--interval-unit", choices=["us", "ms", "s"],
                   help="integers going into interval columns are in this unit (a Django file: us, inferred)")
    g.add_argument("--epoch-unit", choices=["s", "ms", "us"],
                   help="integer epochs going into timestamp/date columns are in this unit (default: inferred "
                        "only when every value is an instant in 1973..2242 in exactly one unit)")


def options_from(args: argparse.Namespace, design: OrmDesign | None = None,
                 app_zone: str | None = None) -> MigrateOptions:
    """`app_zone`: the zone the app's settings say its naive texts are in (Django: UTC under USE_TZ, else
    TIME_ZONE); --source-tz, when given, wins."""
    nul = "refuse" if args.nul == "fail" else args.nul
    zone = args.source_tz or app_zone or (design and design.models and design.models.time_zone) or "UTC"
    return MigrateOptions(
        plan=PlanOptions(strict_types=args.strict_types, lowercase_names=args.lowercase_names,
                         schema=args.schema, source_tz=zone, design=design),
        policy=Policy(orphans=args.orphans, nul=nul, bad_utf8=args.bad_utf8, strict_types=args.strict_types),
        drop_existing=args.drop_existing, data_only=args.data_only, truncate=args.truncate,
        tables=tuple(args.table), exclude=tuple(args.exclude), backup_dir=args.backup,
        interval_unit=args.interval_unit, epoch_unit=args.epoch_unit, allow_stale_read=args.allow_stale_read)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.truncate and not args.data_only:
        print("error: --truncate only applies with --data-only", file=sys.stderr)
        return 2
    try:
        return _migrate(args)
    except PgParityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: nothing was committed", file=sys.stderr)
        return 130


def _migrate(args: argparse.Namespace) -> int:
    started = time.monotonic()
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))
    _check_urls(args)
    orm = _orm_first(args, say)
    opts = options_from(args, _design(args, orm), _data_only_zone(args, orm, say))
    server = _target_first(args, opts, say)
    source = _open_source(args, opts, server, say)
    say(f"reading {args.sqlite}: schema, value profile and preflight (read-only) ...")
    prep = prepare(source, opts, scan_utf8=args.dry_run)
    try:
        _design_decided(prep)
        _say_design(prep, say)
        _say_findings(prep, say)
        if args.dry_run:
            print(dry_run_text(prep, opts))
            return 5 if prep.refusals else 0
        if prep.refusals:
            raise RefusedError(f"preflight found {len(prep.refusals)} problem(s) listed above; nothing was written")
        _design_fits(prep)
        if opts.backup_dir:
            say(f"backup: {backup(prep.source.path, opts.backup_dir, prep.source.immutable)}")
        progress = None if args.quiet else TableProgress()
        try:
            result = run(prep, server.url, opts, progress)
        finally:
            if progress:
                progress.close()
        for note in result.notes:
            say(f"note   {note}")
        if not args.quiet:
            print(summary_table(result))
            print(phase_lines(result))
        record = manifest(prep, opts, result, server.url, server.kind, started)
        orm_said = orm.as_dict() | {"design_schema": opts.plan.design is not None} if orm else None
        record = {"format": record.pop("format"), "orm": orm_said, **record}
        path = write_manifest(record, args.reports)
        say(f"migrated {len(result.tables)} table(s), {sum(t.rows_written for t in result.tables)} rows "
            f"in {result.seconds:.2f}s; manifest: {path}")
        return 0
    finally:
        prep.source.close()


def _check_urls(args: argparse.Namespace) -> None:
    """The target URL's form first, before a byte of the source is read."""
    import os

    from .server import check_url

    if args.pg:
        check_url(args.pg)
    elif os.environ.get("DATABASE_URL") and not args.dry_run:
        check_url(os.environ["DATABASE_URL"], "$DATABASE_URL")


def _orm_first(args: argparse.Namespace, say) -> Orm | None:
    """The ORM that made the file, said first; a full migration of its file stops with the steps to the ORM's
    own schema (nothing is read further, nothing written) unless --design-schema."""
    with SqliteSource.open(args.sqlite, args.allow_stale_read) as source:
        orm = detect(source)
    if orm is None:
        if args.design_schema or args.django_settings or args.sqlalchemy_models:
            raise UsageError("--design-schema/--django-settings/--sqlalchemy-models: no ORM's bookkeeping table "
                             "(django_migrations, alembic_version, schema_migrations) in this file")
        return None
    say(f"ORM    {orm.line()}")
    if args.data_only and args.design_schema:
        raise UsageError("--design-schema designs the tables of a full migration; with --data-only the schema is "
                         f"already there (made by {orm.label}): leave one out")
    if args.data_only or args.design_schema:
        return orm
    raise UsageError(f"{args.sqlite} was made by {orm.label}: a full migration designs the schema from the values, not "
                     "the one the ORM creates (uuid, durations, JSON, aware datetimes, decimals' scale differ), and "
                     "the app may not run on it. Nothing was written. The way to a PostgreSQL database your app runs "
                     "on:\n"
                     f"{next_steps(orm, args.sqlite, args.pg or '$DATABASE_URL')}\n"
                     f"(or --design-schema: migrate.py creates the types {orm.label} creates on PostgreSQL)")


def _data_only_zone(args: argparse.Namespace, orm: Orm | None, say) -> str | None:
    """--data-only --django-settings: the zone the app's naive texts are in, from its settings (UTC under USE_TZ,
    else TIME_ZONE), as --design-schema takes it; --sqlalchemy-models has no zone to give and decides no type here."""
    if not args.data_only or orm is None:
        return None
    if args.sqlalchemy_models:
        raise UsageError("--sqlalchemy-models decides the types of --design-schema; with --data-only the schema is "
                         f"already there (made by {orm.label}): leave it out (naive DATETIME texts are read in "
                         "--source-tz, default UTC)")
    if not args.django_settings:
        if orm.name == "django" and not args.source_tz:
            say("note   naive datetimes are read as UTC (Django's USE_TZ = True); a USE_TZ = False project stored "
                "local times of its TIME_ZONE: pass --django-settings yourproject.settings (or --source-tz)")
        return None
    from .orm.models import django_models

    models = django_models(args.django_settings)
    zone = args.source_tz or models.time_zone
    said = "--source-tz" if args.source_tz else f"{models.source}: " + (
        "USE_TZ = True" if models.time_zone == "UTC" else f"USE_TZ = False, TIME_ZONE = {models.time_zone!r}")
    say(f"note   naive texts going into timestamptz columns are read in {zone} ({said})")
    return models.time_zone


def _design(args: argparse.Namespace, orm: Orm | None) -> OrmDesign | None:
    """--design-schema: the ORM, with its models' own types when the project was named."""
    from .orm.models import django_models, sqlalchemy_models

    if not args.design_schema or orm is None:
        return None
    models = django_models(args.django_settings) if args.django_settings else \
        sqlalchemy_models(args.sqlalchemy_models) if args.sqlalchemy_models else None
    return OrmDesign(orm, models)


def _design_decided(prep) -> None:
    """--design-schema without the models: every column's ORM type decided by the file, else refuse (a schema the
    app cannot write to, bigint where it sends an interval, is no migration)."""
    from .orm.design import models_option, undecided

    design = prep.plan.options.design
    if design is None or design.models is not None:
        return
    cols = undecided(prep.plan)
    if cols:
        option = models_option(design.orm)
        example = "yourproject.settings" if option == "--django-settings" else "yourapp.models:Base"
        raise UsageError(f"--design-schema: the file alone does not say which {design.orm.label} type "
                         f"{len(cols)} column(s) have, so the schema could differ from the one the app writes to; "
                         f"nothing was written: {' | '.join(cols)} -> give {option} {example} (the models decide; "
                         "project on PYTHONPATH), or let the ORM make the schema and use --data-only")


def _design_fits(prep) -> None:
    """--design-schema: every value fits the ORM's type (uuid hex, numeric scale), else refuse before writing."""
    from .orm.design import misfits

    if prep.plan.options.design is None:
        return
    bad = misfits(prep.source, prep.plan)
    if bad:
        raise RefusedError("--design-schema: " + " | ".join(bad) + "; nothing was written")


def _target_first(args: argparse.Namespace, opts: MigrateOptions, say):
    """The connection and the privileges, before the source is read beyond its ORM table (None: dry run)."""
    from .server import resolve
    from .target_access import check_target

    if args.dry_run:
        return None
    server = resolve(args.pg)
    say(server.describe())
    check_target(server.url, opts.plan.schema, opts.data_only, opts.truncate)
    return server


def _open_source(args: argparse.Namespace, opts: MigrateOptions, server, say) -> SqliteSource:
    """The snapshot, said when it is not the normal one; for --data-only, the privileges on its tables."""
    from .target_access import check_target

    source = SqliteSource.open(args.sqlite, opts.allow_stale_read)
    try:
        if source.read_note:
            say(f"note   {source.read_note}")
        if server and opts.data_only:
            check_target(server.url, opts.plan.schema, True, opts.truncate, _selected_tables(source, opts))
    except BaseException:
        source.close()
        raise
    return source


def _selected_tables(source: SqliteSource, opts: MigrateOptions) -> list[str]:
    names = [r[0] for r in source.query("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")]
    keep, drop = {n.lower() for n in opts.tables}, {n.lower() for n in opts.exclude}
    return [n for n in names if (not keep or n.lower() in keep) and n.lower() not in drop]


def _say_design(prep, say) -> None:
    """--design-schema: how many columns take the ORM's own type (each one's rule and reason: --dry-run, manifest)."""
    design = prep.plan.options.design
    if design is None:
        return
    n = sum(c.rule.startswith(design.orm.name + "-") for tp in prep.plan.tables for c in tp.columns)
    models = f", from {design.models.source}" if design.models else ", from the file's declarations"
    say(f"design {n} column(s) take the type {design.orm.label} creates on PostgreSQL{models} "
        f"(rule {design.orm.name}-*: per column in --dry-run and the manifest)")


def _say_findings(prep, say) -> None:
    for f in prep.findings:
        if f.severity == "refuse":
            print("REFUSE " + f.line(), file=sys.stderr)
        else:
            say("note   " + f.line())
    for item in prep.plan.not_migrated:
        say(f"note   not migrated: {item}")


def summary_table(result) -> str:
    rows = [("table", "rows read", "rows written", "seconds")]
    rows += [(t.table, str(t.rows_read), str(t.rows_written), f"{t.seconds:.2f}") for t in result.tables]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    lines = [fmt(rows[0]), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows[1:]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
