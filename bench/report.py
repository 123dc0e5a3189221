"""The benchmark's markdown: the service per backend, batch scoring per file and tool, each target met or not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.batch_scoring import PLAIN, SCORER, TOOLS


@dataclass(frozen=True)
class Target:
    name: str
    limit: str
    measured: str
    met: bool


def targets(results: dict[str, Any]) -> list[Target]:
    found = service_targets(results["backends"]) if "backends" in results else []
    if "batch_scoring" in results:
        found += batch_targets(results["batch_scoring"])
    return found


def service_targets(backends: dict[str, Any]) -> list[Target]:
    found: list[Target] = []
    if {"onnx", "sklearn"} <= backends.keys():
        onnx, sklearn = backends["onnx"]["loads"], backends["sklearn"]["loads"]
        speedup = onnx["single_c16"]["requests_per_second"] / sklearn["single_c16"]["requests_per_second"]
        found.append(
            Target("ONNX vs scikit-learn, one-record req/s (c=16)", ">= 20x", f"{speedup:.1f}x", speedup >= 20)
        )
    if "onnx" in backends:
        onnx_backend = backends["onnx"]
        loads = onnx_backend["loads"]
        share = loads["single_c64"]["requests_per_second"] / loads["trivial_c64"]["requests_per_second"]
        found.append(Target("/predict vs trivial route req/s (c=64, ONNX)", ">= 70%", f"{share:.0%}", share >= 0.70))
        p99 = loads["single_c64"]["p99_ms"]
        found.append(Target("p99 at c=64 (ONNX)", "<= 25 ms", f"{p99:.1f} ms", p99 <= 25))
        cold = onnx_backend["cold_start_seconds"]
        found.append(Target("cold start to first 200 /health (ONNX)", "<= 1.5 s", f"{cold:.2f} s", cold <= 1.5))
    rss = max(backend["worker_rss_mb_max"] for backend in backends.values())
    found.append(Target("resident memory per worker (max, both)", "<= 250 MB", f"{rss:.0f} MB", rss <= 250))
    errors = sum(load["errors"] for backend in backends.values() for load in backend["loads"].values())
    found.append(Target("errors, all runs", "0", str(errors), errors == 0))
    return found


def batch_targets(batch: dict[str, Any]) -> list[Target]:
    files = batch["files"]
    largest, smallest = files[-1], files[0]
    scorer, plain = largest["tools"][SCORER], largest["tools"][PLAIN]
    speedup = scorer["rows_per_second"] / plain["rows_per_second"]
    found = [
        Target(
            f"batch rows/s, {SCORER} vs the plain script ({largest['rows']:,} rows)",
            ">= 1.0x",
            f"{speedup:.2f}x",
            speedup >= 1.0,
        )
    ]
    peak = max(file["tools"][SCORER]["peak_rss_mb"] for file in files)
    found.append(Target(f"batch peak memory, {SCORER} (every file)", "< 400 MB", f"{peak:.0f} MB", peak < 400))
    if len(files) > 1:
        growth = {
            name: largest["tools"][name]["peak_rss_mb"] / smallest["tools"][name]["peak_rss_mb"] for name in TOOLS
        }
        found.append(
            Target(
                f"batch peak memory of the plain script, {smallest['rows']:,} to {largest['rows']:,} rows",
                "grows > 1.5x",
                f"{growth[PLAIN]:.2f}x ({SCORER}: {growth[SCORER]:.2f}x)",
                growth[PLAIN] > 1.5,
            )
        )
    differ = sum(file["labels_differ"] for file in files)
    rows = sum(file["rows"] for file in files)
    counts_equal = all(set(file["rows_out"].values()) == {file["rows"]} for file in files)
    found.append(
        Target(
            "batch outputs agree (rows and labels, every file)",
            "all equal",
            f"{differ:,} of {rows:,} labels differ" + ("" if counts_equal else "; row counts differ"),
            differ == 0 and counts_equal,
        )
    )
    return found


def render_markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    lines = [
        f"Measured {machine['date']} on {machine['cpus']} cores / {machine['memory_gb']} GB, "
        f"Python {machine['python']}, model {results['model_version']}.",
    ]
    if "backends" in results:
        lines += ["", *_service_lines(results)]
    if "batch_scoring" in results:
        lines += ["", *_batch_lines(results["batch_scoring"])]
    lines += ["", "| target | limit | measured | met |", "| --- | --- | --- | --- |"]
    for target in targets(results):
        lines.append(f"| {target.name} | {target.limit} | {target.measured} | {'yes' if target.met else '**no**'} |")
    return "\n".join(lines) + "\n"


def _service_lines(results: dict[str, Any]) -> list[str]:
    lines = [
        "The service: gunicorn production config (2 workers), load from `hey` on the same machine; "
        f"median of {results['repeats']} run(s).",
        "",
        "| backend | load | req/s | rows/s | p50 ms | p99 ms | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    labels = {
        "trivial_c64": "GET /livez, c=64 (ceiling)",
        "single_c16": "POST /predict, 1 record, c=16",
        "single_c64": "POST /predict, 1 record, c=64",
        "batch_c4": "POST /predict/batch, 100 records, c=4",
    }
    for name, backend in results["backends"].items():
        for key, label in labels.items():
            load = backend["loads"][key]
            rows = f"{load['rows_per_second']:.0f}" if "rows_per_second" in load else ""
            lines.append(
                f"| {name} | {label} | {load['requests_per_second']:.0f} | {rows} | "
                f"{load['p50_ms']:.1f} | {load['p99_ms']:.1f} | {load['errors']} |"
            )
    lines += ["", "| backend | cold start | resident memory per worker (max) |", "| --- | ---: | ---: |"]
    for name, backend in results["backends"].items():
        lines.append(f"| {name} | {backend['cold_start_seconds']:.2f} s | {backend['worker_rss_mb_max']:.0f} MB |")
    return lines


def _batch_lines(batch: dict[str, Any]) -> list[str]:
    lines = [
        f"Batch scoring of a penguins-schema Parquet file: `{SCORER}` ({batch['scorer_backend']} backend) and a "
        "plain pandas script, each a fresh process, run alternately; wall time from start to exit, peak "
        f"resident memory of the process; median of {batch['repeats']} run(s).",
        "",
        "| rows (file size) | tool | rows/s | seconds | peak memory |",
        "| ---: | --- | ---: | ---: | ---: |",
    ]
    for file in batch["files"]:
        for name, tool in file["tools"].items():
            lines.append(
                f"| {file['rows']:,} ({file['input_mb']} MB) | {name} | {tool['rows_per_second']:,.0f} | "
                f"{tool['seconds']:.2f} | {tool['peak_rss_mb']:,.0f} MB |"
            )
    if len(batch["files"]) > 1:
        rates = ", ".join(f"{name} {_marginal_rate(batch['files'], name)}" for name in TOOLS)
        lines += ["", f"Rows/s without start-up (the larger file's extra rows over its extra seconds): {rates}."]
    return lines


def _marginal_rate(files: list[dict[str, Any]], tool: str) -> str:
    # Interpreter start, imports and model load cost the same for any file: the difference cancels them.
    small, large = files[0], files[-1]
    extra = large["tools"][tool]["seconds"] - small["tools"][tool]["seconds"]
    return f"{(large['rows'] - small['rows']) / extra:,.0f}" if extra > 0 else "n/a"
