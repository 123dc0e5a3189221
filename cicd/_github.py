"""The GitHub Actions runner's files and log commands; every path is passed in, none read from here."""

from __future__ import annotations

from pathlib import Path


def append_summary(path: Path | None, markdown: str) -> None:
    """Add to the job summary (GITHUB_STEP_SUMMARY); a no-op outside Actions."""
    if path is not None:
        with path.open("a", encoding="utf-8") as summary:
            summary.write(markdown.rstrip("\n") + "\n\n")


def set_outputs(path: Path | None, **values: str) -> None:
    """Write step outputs (GITHUB_OUTPUT); a no-op outside Actions. Values must be one line each."""
    if path is None:
        return
    with path.open("a", encoding="utf-8") as outputs:
        for name, value in values.items():
            if "\n" in value or "\r" in value:
                raise ValueError(f"step output {name} must be one line")
            outputs.write(f"{name}={value}\n")


def warning(title: str, message: str) -> str:
    """A `::warning::` log command: shown as an annotation on the run, and as a plain line elsewhere."""
    return f"::warning title={_escape_property(title)}::{_escape_data(message)}"


def mask(value: str) -> str:
    """An `::add-mask::` log command: the runner replaces the value with *** in every later log line."""
    return f"::add-mask::{_escape_data(value)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def optional_path(value: str | None) -> Path | None:
    return Path(value) if value else None
