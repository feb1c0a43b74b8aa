"""Read every object through Django's serializer from 'default' and 'other'; print each difference, exit 1 if any.

    PGPARITY_DJANGO_DB=app.sqlite3 PGPARITY_DJANGO_OTHER=postgresql://… python compare.py

Objects are serialized per model ordered by pk; many-to-many lists are compared as sets (their order is not data).
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djproj.settings")
django.setup()

from django.apps import apps  # noqa: E402
from django.core import serializers  # noqa: E402


def objects(model, alias: str) -> dict:
    """pk -> fields as Django's JSON serializer writes them, many-to-many sorted."""
    text = serializers.serialize("json", model._base_manager.using(alias).order_by("pk"))
    out = {}
    for obj in json.loads(text):
        fields = obj["fields"]
        for f in model._meta.many_to_many:
            if f.name in fields:
                fields[f.name] = sorted(fields[f.name], key=str)
        out[obj["pk"]] = fields
    return out


def differences(model) -> list[str]:
    a, b = objects(model, "default"), objects(model, "other")
    label = model._meta.label
    lines = [f"{label} pk={pk!r}: missing in other" for pk in a.keys() - b.keys()]
    lines += [f"{label} pk={pk!r}: extra in other" for pk in b.keys() - a.keys()]
    for pk in sorted(a.keys() & b.keys(), key=str):
        lines += [f"{label} pk={pk!r} {name}: default {a[pk][name]!r} != other {b[pk].get(name)!r}"
                  for name in a[pk] if a[pk][name] != b[pk].get(name)]
    return lines


def main() -> int:
    lines, count = [], 0
    for model in apps.get_models():
        count += model._base_manager.using("default").count()
        lines += differences(model)
    print("\n".join(lines) if lines else f"{count} objects equal")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
