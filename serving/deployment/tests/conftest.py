"""Synthesized stacks shared by the tests: each variant is synthesized once, offline."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from deployment.service_deployment.application import build_app
from testkit import cdk as cdk_output

SERVICE_IMAGE = Path(__file__).resolve().parents[2] / "app"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@dataclass(frozen=True)
class Synthesized(cdk_output.Synthesized):
    git_commit: str


SynthesizeApp = Callable[..., dict[str, Synthesized]]
SynthesizeService = Callable[..., Synthesized]


@pytest.fixture(scope="session")
def synthesize_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizeApp:
    """Every stack of the app for a context, by stack name."""

    def synthesize(
        context: Mapping[str, Any] | None = None, image_directory: Path = SERVICE_IMAGE
    ) -> dict[str, Synthesized]:
        outdir = tmp_path_factory.mktemp("cdk-out")
        context = {"gitCommit": COMMIT, **(context or {})}
        assembly = build_app(outdir=str(outdir), context=context, image_directory=image_directory).synth()
        return {
            stack.stack_name: Synthesized(
                outdir, stack.stack_name, Template.from_json(stack.template), context["gitCommit"]
            )
            for stack in assembly.stacks
        }

    return synthesize


@pytest.fixture(scope="session")
def synthesize_service(synthesize_app: SynthesizeApp) -> SynthesizeService:
    def synthesize(context: Mapping[str, Any] | None = None, image_directory: Path = SERVICE_IMAGE) -> Synthesized:
        stacks = synthesize_app(context, image_directory)
        (service,) = (stack for name, stack in stacks.items() if name.startswith("PenguinsService-"))
        return service

    return synthesize


@pytest.fixture(scope="session")
def default_service(synthesize_service: SynthesizeService) -> Synthesized:
    """The staging stack with no context but the commit: HTTP, public subnets, generated API key."""
    return synthesize_service()


@pytest.fixture(scope="session")
def https_service(synthesize_service: SynthesizeService) -> Synthesized:
    """Production behind an imported certificate, in private subnets with NAT, with an e-mail on alarms."""
    return synthesize_service(
        {
            "environment": "production",
            "certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555",
            "privateSubnets": "true",
            "natGateways": "2",
            "alarmEmail": "oncall@example.com",
            "apiKeySecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:model-api-key-AbCdEf",
        }
    )


@pytest.fixture(scope="session")
def domain_service(synthesize_service: SynthesizeService) -> Synthesized:
    """Staging on its own domain: a DNS-validated certificate in a hosted zone given by id and name."""
    return synthesize_service(
        {
            "domainName": "penguins.example.com",
            "hostedZoneId": "Z0123456789ABCDEFGHIJ",
            "hostedZoneName": "example.com",
            "generateApiKey": "false",
        }
    )


@pytest.fixture(scope="session")
def lambda_service(synthesize_service: SynthesizeService) -> Synthesized:
    """Staging on AWS Lambda: the same image behind a function URL, with a generated API key."""
    return synthesize_service({"target": "lambda"})


@pytest.fixture(scope="session")
def lambda_production(synthesize_service: SynthesizeService) -> Synthesized:
    """Production on AWS Lambda with an existing key secret and an e-mail on alarms."""
    return synthesize_service(
        {
            "target": "lambda",
            "environment": "production",
            "alarmEmail": "oncall@example.com",
            "apiKeySecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:model-api-key-AbCdEf",
        }
    )
