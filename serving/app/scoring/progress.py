"""A progress bar for a terminal: one `\\r` line, rows/s and the time left, at most ~5 times a second."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, TextIO


class Progress(Protocol):
    def start(self, total: int, unit: str) -> None:
        """`total` units of work ("rows" or "bytes") are ahead; 0 when nothing is known."""
        ...

    def update(self, rows: int, done: int) -> None:
        """So far: `rows` rows read and `done` units of work."""
        ...

    def finish(self) -> None:
        """The run ended, whichever way: clear the line."""
        ...


class NoProgress:
    """For logs and pipes: nothing until the summary line."""

    def start(self, total: int, unit: str) -> None:
        pass

    def update(self, rows: int, done: int) -> None:
        pass

    def finish(self) -> None:
        pass


class ProgressBar:
    """`\\r 42% [############................] 420000 rows  131072 rows/s  ETA 0:00:05`.

    The fraction and ETA come from the work done (rows, or CSV bytes) against the total;
    the rate from rows and the clock. Renders at most once per `interval` seconds.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 0.2,
        width: int = 30,
    ) -> None:
        self._stream, self._clock, self._interval, self._width = stream, clock, interval, width
        self._total, self._started, self._last, self._shown = 0, 0.0, float("-inf"), 0

    def start(self, total: int, unit: str) -> None:
        self._total, self._started = total, self._clock()

    def update(self, rows: int, done: int) -> None:
        now = self._clock()
        if now - self._last < self._interval:
            return
        self._last = now
        self._show(render(rows=rows, done=done, total=self._total, seconds=now - self._started, width=self._width))

    def finish(self) -> None:
        if self._shown:
            self._stream.write("\r" + " " * self._shown + "\r")
            self._stream.flush()
            self._shown = 0

    def _show(self, line: str) -> None:
        # Pad over the previous, longer line: `\r` only moves the cursor.
        self._stream.write("\r" + line.ljust(self._shown))
        self._stream.flush()
        self._shown = len(line)


def render(*, rows: int, done: int, total: int, seconds: float, width: int = 30) -> str:
    """One progress line; without a total, no bar and no ETA."""
    rate = f"{rows / seconds:.0f} rows/s" if seconds > 0 else "- rows/s"
    if total <= 0:
        return f"{rows} rows  {rate}"
    fraction = min(1.0, done / total)
    filled = int(fraction * width)
    eta = _clock_time(seconds * (1 - fraction) / fraction) if fraction > 0 and seconds > 0 else "-:--:--"
    return f"{fraction:4.0%} [{'#' * filled}{'.' * (width - filled)}] {rows} rows  {rate}  ETA {eta}"


def _clock_time(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
