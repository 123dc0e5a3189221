"""The service's Dockerfile, read rather than restated: its stages, their ENV, WORKDIR, COPY and commands.

Only the forms this Dockerfile uses are understood (one instruction per logical line, ENV as
name=value pairs, CMD and HEALTHCHECK in exec form).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.config import PACKAGE_DIR

DOCKERFILE = PACKAGE_DIR / "Dockerfile"


@dataclass
class Stage:
    name: str
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    copies: list[tuple[list[str], str]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    instructions: dict[str, str] = field(default_factory=dict)


def instructions(text: str) -> Iterator[tuple[str, str]]:
    logical = ""
    for line in text.splitlines():
        if not logical and (not line.strip() or line.lstrip().startswith("#")):
            continue
        logical += line.rstrip().removesuffix("\\") + " " if line.rstrip().endswith("\\") else line
        if not line.rstrip().endswith("\\"):
            keyword, _, rest = logical.strip().partition(" ")
            yield keyword.upper(), rest.strip()
            logical = ""


def stages(text: str) -> list[Stage]:
    found: list[Stage] = []
    for keyword, rest in instructions(text):
        if keyword == "FROM":
            found.append(Stage(name=rest.split()[-1]))
            continue
        stage = found[-1]
        stage.instructions[keyword] = rest
        if keyword == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                stage.env[name] = value
        elif keyword == "WORKDIR":
            stage.workdir = rest
        elif keyword == "COPY" and not rest.startswith("--from"):
            *sources, target = shlex.split(rest)
            stage.copies.append((sources, target))
        elif keyword == "RUN":
            stage.runs.append(rest)
    return found


def exec_form(rest: str) -> list[str]:
    """The JSON (exec) form of CMD, or of HEALTHCHECK's CMD after its options."""
    command = json.loads(rest[rest.index("[") :])
    assert isinstance(command, list)
    return [str(part) for part in command]
