"""The benchmark's markdown: the figures per backend and each target, met or not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    name: str
    limit: str
    measured: str
    met: bool


def targets(results: dict[str, Any]) -> list[Target]:
    backends = results["backends"]
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


def render_markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    lines = [
        f"Measured {machine['date']} on {machine['cpus']} cores / {machine['memory_gb']} GB, "
        f"Python {machine['python']}, model {results['model_version']}; "
        f"gunicorn production config (2 workers), load from `hey` on the same machine; "
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
    lines += ["", "| target | limit | measured | met |", "| --- | --- | --- | --- |"]
    for target in targets(results):
        lines.append(f"| {target.name} | {target.limit} | {target.measured} | {'yes' if target.met else '**no**'} |")
    return "\n".join(lines) + "\n"
