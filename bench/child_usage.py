"""Run a command; write its wall time, peak memory and exit code as JSON. The batch benchmark's launcher.

    python -I -S bench/child_usage.py USAGE.json COMMAND [ARG...]

Why a launcher: the kernel's peak resident set of a process (ru_maxrss) starts before its exec,
while it is still a copy of the process that started it. Started straight from the benchmark
(pandas, pyarrow and scikit-learn loaded: ~170 MB), every child would report at least that;
started from this script, which loads only the standard library's smallest modules (`-S`: not
even `site`), the floor is ~10 MB, below any Python program's own peak. wait4 gives the child's
own figures, not a maximum over every child so far as getrusage(RUSAGE_CHILDREN) would.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    usage_file, command = argv[0], argv[1:]
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    # Linux counts ru_maxrss in KiB, macOS in bytes.
    peak_bytes = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    result = {"exit_code": os.waitstatus_to_exitcode(status), "seconds": seconds, "peak_rss_mb": peak_bytes / 2**20}
    with open(usage_file, "w") as stream:
        json.dump(result, stream)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
