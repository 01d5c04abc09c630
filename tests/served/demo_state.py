"""What the served tests share: the two demos' CLI results and where they ran."""

import re
from dataclasses import dataclass
from pathlib import Path

from click.testing import Result

UI_HINT = re.compile(r"^  (?P<env>(?:[A-Z_]+=\S+ )+)make ui$", re.M)


@dataclass(frozen=True)
class DemoRuns:
    """The two demos' CLI results; the folder they ran in and the project's paths beside it."""

    first: Result
    second: Result
    folder: Path
    project: Path

    @property
    def ui_env(self) -> dict[str, str]:
        """The variables the second demo printed for `make ui`."""
        hint = UI_HINT.search(self.second.stdout)
        assert hint, self.second.stdout[-2000:]
        return dict(pair.split("=", 1) for pair in hint.group("env").split())
