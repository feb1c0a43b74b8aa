"""Settings of the ORM test project: the database comes from the environment.

PGPARITY_DJANGO_DB      the 'default' database: a SQLite path, or a postgresql:// URL
PGPARITY_DJANGO_OTHER   optional second alias 'other' (same forms), to read one object from both
PGPARITY_DJANGO_USE_TZ  "1" (default) aware datetimes stored in UTC; "0" naive local times in TIME_ZONE
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "pgparity-test-project-not-secret"
DEBUG = False
ALLOWED_HOSTS: list[str] = []
USE_TZ = os.environ.get("PGPARITY_DJANGO_USE_TZ", "1") == "1"  # "0": naive local times in TIME_ZONE (older apps)
TIME_ZONE = "Europe/Paris"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "djproj.urls"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "shop",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.contrib.auth.context_processors.auth",
                                       "django.contrib.messages.context_processors.messages",
                                       "django.template.context_processors.request"]},
}]


def database(spec: str) -> dict:
    """A DATABASES entry from a SQLite path or a postgresql://user:pw@host:port/name?options=... URL."""
    if not spec.startswith(("postgres://", "postgresql://")):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": spec}
    url = urlsplit(spec)
    entry = {"ENGINE": "django.db.backends.postgresql", "NAME": unquote(url.path.lstrip("/")),
             "USER": unquote(url.username or ""), "PASSWORD": unquote(url.password or ""),
             "HOST": url.hostname or "", "PORT": str(url.port or "")}
    if url.query:
        entry["OPTIONS"] = dict(parse_qsl(url.query))
    return entry


if "PGPARITY_DJANGO_DB" not in os.environ:
    raise ImproperlyConfigured("set PGPARITY_DJANGO_DB to a SQLite path or a postgresql:// URL")
DATABASES = {"default": database(os.environ["PGPARITY_DJANGO_DB"])}
if os.environ.get("PGPARITY_DJANGO_OTHER"):
    DATABASES["other"] = database(os.environ["PGPARITY_DJANGO_OTHER"])
# Test data only: a fast hasher keeps populating the users quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
