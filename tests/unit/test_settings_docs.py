"""`.env.example` and the README's configuration table list exactly the settings, same defaults."""

import re

from dq_pipelines.layout import PROJECT_ROOT
from dq_pipelines.settings import SETTINGS

# Listed in the README table beside the settings, but read by Dagster rather than by this project.
NOT_OURS = {"DAGSTER_HOME"}


def _shown(default: str | None) -> str | None:
    """A default as the docs show it: paths under the project root relative to it."""
    if default is None:
        return None
    root = f"{PROJECT_ROOT}/"
    return default.removeprefix(root) if default.startswith(root) else default


EXPECTED = {s.name: _shown(s.default) for s in SETTINGS}


def _env_example() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for line in (PROJECT_ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert name not in found, f".env.example lists {name} twice"
            found[name.strip()] = value.strip() or None
    return found


def _readme_table() -> dict[str, str | None]:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    found: dict[str, str | None] = {}
    for row in re.findall(r"^\| `(\w+)` \| ([^|]+) \|", section, flags=re.MULTILINE):
        name, cell = row[0], row[1].strip()
        assert name not in found, f"the README configuration table lists {name} twice"
        found[name] = None if cell == "unset" else cell.strip("`")
    return found


def _drift(found: dict[str, str | None]) -> list[str]:
    names = set(EXPECTED) | set(found)
    pairs = {name: (EXPECTED.get(name, "absent"), found.get(name, "absent")) for name in names}
    return [
        f"{name}: settings say {ours!r}, docs say {theirs!r}"
        for name, (ours, theirs) in sorted(pairs.items())
        if ours != theirs
    ]


def test_env_example_lists_every_setting_with_its_default() -> None:
    drift = _drift(_env_example())
    assert not drift, "\n".join(drift)


def test_readme_configuration_table_lists_every_setting_with_its_default() -> None:
    table = _readme_table()
    assert set(table) >= NOT_OURS
    drift = _drift({k: v for k, v in table.items() if k not in NOT_OURS})
    assert not drift, "\n".join(drift)
