"""The README is the operator's reference: it must name every setting the code reads, and
only those."""

import re
from pathlib import Path

from authserver.config import SETTINGS, Setting

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
#: a row of the settings table: | `AUTHSERVER_X` | default | meaning |
DOCUMENTED = re.compile(r"^\| `(AUTHSERVER_[A-Z0-9_]+)` \|", re.MULTILINE)


def undocumented(readme: str, settings: tuple[Setting, ...]) -> list[str]:
    documented = set(DOCUMENTED.findall(readme))
    return [s.name for s in settings if s.name not in documented]


def stale(readme: str, settings: tuple[Setting, ...]) -> list[str]:
    known = {s.name for s in settings}
    return [name for name in DOCUMENTED.findall(readme) if name not in known]


def test_every_setting_is_documented():
    assert not undocumented(README, SETTINGS), "settings missing from the README table"


def test_every_documented_setting_exists():
    assert not stale(README, SETTINGS), "README rows for settings the code does not have"


def test_the_checks_catch_a_missing_and_a_stale_row():
    table = "| variable | default | meaning |\n|---|---|---|\n| `AUTHSERVER_OLD` | `1` | gone |\n"
    settings = (Setting("AUTHSERVER_NEW", 1, int, "new"),)
    assert undocumented(table, settings) == ["AUTHSERVER_NEW"]
    assert stale(table, settings) == ["AUTHSERVER_OLD"]
    assert stale(README, (*SETTINGS, *settings)) == []


def test_readme_gives_the_two_commands():
    assert "make run" in README and "make test" in README
