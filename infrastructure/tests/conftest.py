"""Synthesized account stacks shared by the tests: each variant is synthesized once, offline."""

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infrastructure.account_infrastructure.application import build_app
from testkit.cdk import Synthesized

REPOSITORY = "penguin-labs/penguins-mlops"
DATA_SOURCES = "s3://penguin-data/raw/houses,s3://public-datasets,s3://penguin-data/extra/"


SynthesizeAccount = Callable[[Mapping[str, Any]], Synthesized]


@pytest.fixture(scope="session")
def synthesize_account(tmp_path_factory: pytest.TempPathFactory) -> SynthesizeAccount:
    def synthesize(context: Mapping[str, Any]) -> Synthesized:
        outdir = tmp_path_factory.mktemp("infrastructure-cdk-out")
        (stack,) = build_app(outdir=str(outdir), context=context).synth().stacks
        return Synthesized(outdir, stack.stack_name, Template.from_json(stack.template))

    return synthesize


@pytest.fixture(scope="session")
def account(synthesize_account: SynthesizeAccount) -> Synthesized:
    """The stack as deployed for this repository, every other setting at its default."""
    return synthesize_account({"githubRepository": REPOSITORY})


@pytest.fixture(scope="session")
def with_data_sources(synthesize_account: SynthesizeAccount) -> Synthesized:
    """The stack with two prefixes of one bucket and a whole second bucket to import data from."""
    return synthesize_account({"githubRepository": REPOSITORY, "dataSources": DATA_SOURCES})


@pytest.fixture(scope="session")
def bucket_only(synthesize_account: SynthesizeAccount) -> Synthesized:
    return synthesize_account({})
