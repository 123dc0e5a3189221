from __future__ import annotations

import io

from app.scoring.progress import ProgressBar, render


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_line_shows_the_fraction_rows_rate_and_time_left() -> None:
    line = render(rows=250_000, done=250, total=1000, seconds=5.0, width=10)

    assert line == " 25% [##........] 250000 rows  50000 rows/s  ETA 0:00:15"


def test_without_a_total_there_is_no_bar_and_no_eta() -> None:
    assert render(rows=10, done=0, total=0, seconds=2.0) == "10 rows  5 rows/s"


def test_before_any_work_the_eta_is_unknown() -> None:
    assert render(rows=0, done=0, total=50, seconds=0.0, width=4).endswith("[....] 0 rows  - rows/s  ETA -:--:--")


def test_long_runs_count_hours() -> None:
    assert render(rows=1, done=1, total=4, seconds=3600.0).endswith("ETA 3:00:00")


def test_updates_are_throttled_to_one_per_interval() -> None:
    clock, stream = FakeClock(), io.StringIO()
    bar = ProgressBar(stream, clock=clock, interval=0.2, width=4)
    bar.start(100, "rows")

    for step in range(10):  # 10 updates within 0.09 s: one render
        clock.now += 0.01
        bar.update(step, step)
    clock.now += 0.2
    bar.update(50, 50)

    assert stream.getvalue().count("\r") == 2
    assert stream.getvalue().endswith("\r 50% [##..] 50 rows  167 rows/s  ETA 0:00:00")


def test_a_shorter_line_covers_the_longer_one_and_finish_clears_it() -> None:
    clock, stream = FakeClock(), io.StringIO()
    bar = ProgressBar(stream, clock=clock, width=4)
    bar.start(0, "bytes")
    clock.now += 1
    bar.update(123456, 0)
    clock.now += 1
    bar.update(123457, 0)
    written = stream.getvalue()

    bar.finish()

    first, second = written.split("\r")[1:]
    assert len(second) == len(first)
    assert stream.getvalue()[len(written) :] == "\r" + " " * len(second.rstrip()) + "\r"
