"""A correct copy made by other means: Django itself reads every object from 'default' and writes it to 'other'.

    PGPARITY_DJANGO_DB=app.sqlite3 PGPARITY_DJANGO_OTHER=postgresql://… python copy_orm.py

'other' must already have the schema (`manage.py migrate --database other`, or 'other' as default). Its rows are
replaced; django_migrations is copied too, and sequences are set past the copied keys, as Django's loaddata does.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djproj.settings")
django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.db.migrations.recorder import MigrationRecorder  # noqa: E402
from django.db.models import JSONField, Value  # noqa: E402


def ordered_models() -> list:
    """Every concrete model, parents before children (FKs point backwards), through tables last."""
    models = [m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy]
    done: list = []
    while len(done) < len(models):
        for m in models:
            if m in done:
                continue
            parents = {f.related_model for f in m._meta.concrete_fields if f.is_relation and f.related_model is not m}
            if parents <= set(done):
                done.append(m)
    return done


def json_nulls(model, rows: list) -> list:
    """Django reads JSON `null` and SQL NULL both as None and writes None as SQL NULL: keep JSON `null` as is."""
    for field in (f for f in model._meta.concrete_fields if isinstance(f, JSONField)):
        with connections["default"].cursor() as cur:
            cur.execute(f'SELECT "{model._meta.pk.column}" FROM "{model._meta.db_table}" WHERE "{field.column}" = %s',
                        ["null"])
            keys = {model._meta.pk.to_python(k) for (k,) in cur.fetchall()}
        for obj in rows:
            if obj.pk in keys:
                setattr(obj, field.attname, Value(None, JSONField()))
    return rows


def main() -> None:
    call_command("flush", database="other", interactive=False, inhibit_post_migrate=True, verbosity=0)
    recorder = MigrationRecorder(connections["other"]).Migration
    models = ordered_models()
    with transaction.atomic(using="other"):
        recorder.objects.using("other").all().delete()
        recorder.objects.using("other").bulk_create(recorder.objects.using("default").order_by("pk"))
        for model in models:
            rows = json_nulls(model, list(model._base_manager.using("default").order_by("pk")))
            model.objects.using("other").bulk_create(rows)
        reset = connections["other"].ops.sequence_reset_sql(no_style(), models + [recorder])
        with connections["other"].cursor() as cur:
            for statement in reset:
                cur.execute(statement)


if __name__ == "__main__":
    main()
