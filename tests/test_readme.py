"""The README is the operator's reference: it must name every setting the code reads."""

from pathlib import Path

from authserver.config import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_documented():
    missing = [s.name for s in SETTINGS if f"| `{s.name}` |" not in README]
    assert not missing, f"settings missing from the README table: {missing}"


def test_readme_gives_the_two_commands():
    assert "make run" in README and "make test" in README
