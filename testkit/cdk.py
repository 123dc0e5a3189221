"""Reading what a CDK app synthesized: its templates, cdk-nag's validation report, the acknowledged findings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

NAG_PACK = "AwsSolutions"


@dataclass(frozen=True)
class Synthesized:
    outdir: Path
    stack_name: str
    template: Template

    @property
    def template_file(self) -> Path:
        return self.outdir / f"{self.stack_name}.template.json"

    @property
    def raw(self) -> dict[str, Any]:
        return dict(json.loads(self.template_file.read_text()))

    def acknowledged_findings(self) -> dict[tuple[str, str], str]:
        """(construct path below the stack, rule) -> the reason given, for every cdk-nag finding acknowledged."""
        metadata = json.loads((self.outdir / f"{self.stack_name}.metadata.json").read_text())
        prefix = f"/{self.stack_name}/"
        return {
            (path.removeprefix(prefix), rule.removeprefix("Annotation::")): reason
            for path, entries in metadata.items()
            for entry in entries
            if entry["type"] == "aws:cdk:acknowledged-rules"
            for rule, reason in entry["data"].items()
            if f"{NAG_PACK}-" in rule
        }


def nag_report(outdir: Path) -> tuple[str, set[tuple[str, str]]]:
    """cdk-nag's conclusion and its (rule, construct path) violations, from a failed synth's validation report."""
    report = json.loads((outdir / "validation-report.json").read_text())
    (nag,) = (plugin for plugin in report["pluginReports"] if plugin["pluginName"] == NAG_PACK)
    violations = {
        (violation["ruleName"], construct["constructPath"])
        for violation in nag["violations"]
        for construct in violation["violatingConstructs"]
    }
    return nag["conclusion"], violations
