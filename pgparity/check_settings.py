"""The settings of one `pytest checks/` run: command line, then environment, then pgparity.toml, then defaults.

Where things are does not depend on the working directory: pgparity.toml is `--pgparity-config FILE`,
else `<pytest rootdir>/pgparity.toml`; relative paths in that file are relative to the file; the
defaults (`reports/`, `expectations/`, `drift/`) are relative to the file's folder, else to the rootdir.
Paths given on the command line are relative to where the command was typed, as usual.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

DEFAULTS = {"schema": "public", "source_tz": "UTC", "float_tolerance": 0.0, "examples": 10,
            "nul_policy": "fail", "tables": [], "exclude": [], "redact": [], "reports": "reports",
            "expectations": "expectations", "drift": {}, "snapshot_lock": None, "allow_stale_read": False,
            "interval_unit": None, "epoch_unit": None}
OTHER_KEYS = ("sqlite", "pg", "waivers")
# one vocabulary with migrate.py: its spellings are accepted in pgparity.toml too
FILE_ALIASES = {"pg_schema": "schema", "exclude_table": "exclude", "table": "tables", "nul": "nul_policy",
                "allow_immutable": "allow_stale_read"}
NUL_ALIASES = {"refuse": "fail"}  # migrate.py's --nul refuse is the checks' --nul-policy fail
PATH_KEYS = ("sqlite", "reports", "expectations", "snapshot_lock")
LIST_KEYS = ("tables", "exclude", "redact")  # one name may be given as a string
# what the command line's choices and types accept, so a file cannot say what the command line cannot
CHOICES = {"nul_policy": ("fail", "refuse", "strip"), "interval_unit": ("us", "ms", "s"),
           "epoch_unit": ("us", "ms", "s")}
TYPES = {"float_tolerance": ((int, float), "a number"), "examples": ((int,), "a whole number"),
         "allow_stale_read": ((bool,), "true or false")}


@dataclass(frozen=True)
class ConfigFile:
    path: Path | None  # None: no pgparity.toml
    data: dict

    @property
    def describe(self) -> str:
        return str(self.path) if self.path else "none"


def suggest(word: str, known: list[str] | tuple[str, ...]) -> str:
    """' (did you mean X?)' for a near miss, else ''."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def find_config(option: str | None, rootdir: Path) -> Path | None:
    """--pgparity-config FILE (must exist), else <rootdir>/pgparity.toml when present."""
    if option:
        path = Path(option).resolve()
        if not path.is_file():
            raise UsageError(f"--pgparity-config: no such file {path}")
        return path
    path = rootdir / "pgparity.toml"
    return path if path.is_file() else None


def read_config(path: Path | None) -> ConfigFile:
    """The [pgparity] table of the file, aliases folded, unknown keys refused with a suggestion."""
    if path is None:
        return ConfigFile(None, {})
    try:
        whole = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    outside = sorted(set(whole) - {"pgparity"})
    if outside:  # read as nothing, they would be silently ignored
        raise UsageError(f"{path}: {', '.join(outside)} outside the [pgparity] table (settings go under [pgparity])")
    data = dict(whole.get("pgparity", {}))
    known = sorted(set(DEFAULTS) | set(OTHER_KEYS) | set(FILE_ALIASES))
    for key in sorted(data):
        if key not in known:
            raise UsageError(f"{path}: unknown setting {key!r}{suggest(key, known)} (known: {', '.join(known)})")
    for alias, name in FILE_ALIASES.items():
        if alias in data:
            if name in data:
                raise UsageError(f"{path}: {alias!r} and {name!r} are the same setting: give one")
            data[name] = data.pop(alias)
    for key in LIST_KEYS:
        if isinstance(data.get(key), str):
            data[key] = [data[key]]
    _check_values(path, data)
    base = path.parent
    for key in PATH_KEYS:
        if isinstance(data.get(key), str):
            data[key] = str(base / data[key])
    return ConfigFile(path, data)


def _check_values(path: Path, data: dict) -> None:
    for key, choices in CHOICES.items():
        if key in data and data[key] not in choices:
            raise UsageError(f"{path}: {key} = {data[key]!r} is not one of {', '.join(choices)}")
    for key, (types, said) in TYPES.items():
        value = data.get(key)
        if key in data and (not isinstance(value, types) or (isinstance(value, bool) and bool not in types)):
            raise UsageError(f"{path}: {key} = {value!r} is not {said}")


def resolve(cli: dict, config: ConfigFile, rootdir: Path) -> dict:
    """Command line, then environment (PGPARITY_SQLITE, DATABASE_URL), then the file, then defaults."""
    base = config.path.parent if config.path else rootdir
    merged = {**DEFAULTS, "reports": str(base / "reports"), "expectations": str(base / "expectations"),
              **config.data}
    env = {"sqlite": os.environ.get("PGPARITY_SQLITE"), "pg": os.environ.get("DATABASE_URL")}
    given = dict(cli)
    for key, value in env.items():
        if value and not given.get(key):
            given[key] = value
    merged.update({k: v for k, v in given.items() if v is not None and v != []})
    merged["nul_policy"] = NUL_ALIASES.get(merged["nul_policy"], merged["nul_policy"])
    merged["base"] = str(base)
    merged["config"] = config.describe
    merged["expectations_given"] = "expectations" in config.data or cli.get("expectations") is not None
    return merged
