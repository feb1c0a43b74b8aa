"""pytest wiring for `pytest checks/`: the plugin lives in the package (pgparity/pytest_plugin.py)."""

pytest_plugins = ["pgparity.pytest_plugin", "pgparity.queries.pytest_options", "pgparity.orm.pytest_options"]
