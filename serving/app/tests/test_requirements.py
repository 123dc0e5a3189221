"""requirements.txt (the image's dependencies) must be what `make requirements` makes of Pipfile.lock."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.config import PACKAGE_DIR

LOCK = PACKAGE_DIR.parent.parent / "Pipfile.lock"
REQUIREMENTS = PACKAGE_DIR / "requirements.txt"
# Pipfile categories in `make requirements` order; pipenv lets a later one override an earlier one.
LOCK_SECTIONS = ("default", "serving")  # the categories "packages" and "serving"
_LINE = re.compile(
    r"^(?P<name>[A-Za-z0-9_.\-]+)(?P<extras>\[[^\]]*\])?==(?P<version>\S+?)"
    r"(?:; (?P<markers>.+?))?(?P<hashes>( --hash=\S+)+)$"
)

Pin = tuple[str, str, str, frozenset[str]]


def locked() -> dict[str, Pin]:
    lock = json.loads(LOCK.read_text())
    merged: dict[str, dict] = {}
    for section in LOCK_SECTIONS:
        merged.update(lock[section])
    return {
        name: (
            "[{}]".format(",".join(entry["extras"])) if "extras" in entry else "",
            entry["version"].removeprefix("=="),
            entry.get("markers", ""),
            frozenset(entry["hashes"]),
        )
        for name, entry in merged.items()
    }


def required(text: str) -> tuple[list[str], dict[str, Pin]]:
    options, pins = [], {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        match = _LINE.match(line)
        assert match, f"not a pinned, hashed requirement: {line[:80]}"
        hashes = frozenset(part.removeprefix("--hash=") for part in match["hashes"].split())
        pins[match["name"]] = (match["extras"] or "", match["version"], match["markers"] or "", hashes)
    return options, pins


def test_requirements_pin_exactly_the_locked_serving_packages() -> None:
    options, pins = required(REQUIREMENTS.read_text())
    expected = locked()

    stale = sorted(name for name in expected.keys() & pins.keys() if expected[name] != pins[name])
    assert not stale, f"pinned differently from Pipfile.lock: {stale}; run `make requirements`"
    assert sorted(expected.keys() - pins.keys()) == [], "missing from requirements.txt; run `make requirements`"
    assert sorted(pins.keys() - expected.keys()) == [], "not in Pipfile.lock; run `make requirements`"
    sources = json.loads(LOCK.read_text())["_meta"]["sources"]
    assert options == [f"-i {sources[0]['url']}"]


def test_every_requirement_is_hashed_so_pip_can_require_hashes() -> None:
    _, pins = required(REQUIREMENTS.read_text())

    assert {"fastapi", "gunicorn", "uvicorn-worker", "scikit-learn", "pandas"} <= pins.keys()
    assert all(pin[3] for pin in pins.values())


def test_the_requirements_file_says_how_it_is_made() -> None:
    assert REQUIREMENTS.read_text().splitlines()[0].startswith("# Generated from Pipfile.lock by `make requirements`")


def test_the_lock_sections_are_the_ones_make_requirements_uses() -> None:
    makefile = Path(PACKAGE_DIR.parent.parent / "make" / "serving.mk").read_text()

    assert "SERVING_CATEGORIES := packages serving" in makefile
