from pathlib import Path

import aws_cdk as cdk
from constructs import Construct

from . import batch_contract as contract
from .batch_scoring import BatchScoring
from .image import service_image
from .network import Network
from .settings import BatchSettings


class BatchScoringStack(cdk.Stack):
    """Batch scoring of one environment: its own network, the Batch resources, the contract's outputs.

    Environment-agnostic like the service stack: synthesis needs no credentials or lookups.
    Raises ValueError when `settings` has no prefixes (batch scoring is not enabled).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: BatchSettings,
        image_directory: Path,
        git_commit: str,
    ) -> None:
        if settings.output_prefix is None:
            raise ValueError("batch scoring is not enabled: give batchInput and batchOutput")
        super().__init__(
            scope, construct_id, description=f"Penguins batch scoring ({settings.environment}) on AWS Batch Fargate"
        )
        network = Network(self, "Network", private_subnets=settings.private_subnets, nat_gateways=settings.nat_gateways)
        scoring = BatchScoring(
            self,
            "Scoring",
            vpc=network.vpc,
            subnets=network.task_subnets,
            assign_public_ip=not network.private_subnets,
            image=service_image(image_directory, git_commit=git_commit),
            git_commit=git_commit,
            input_prefixes=settings.input_prefixes,
            output_prefix=settings.output_prefix,
            spot=settings.spot,
            max_vcpus=settings.max_vcpus,
            score_vcpus=settings.score_vcpus,
            score_memory_mib=settings.score_memory_mib,
            job_timeout=cdk.Duration.minutes(settings.job_timeout_minutes),
            retry_attempts=settings.retry_attempts,
        )
        outputs = {
            contract.OUTPUT_JOB_QUEUE: scoring.job_queue.job_queue_arn,
            contract.OUTPUT_SCORE_JOB_DEFINITION: scoring.score_job.job_definition_arn,
            contract.OUTPUT_FINALIZE_JOB_DEFINITION: scoring.finalize_job.job_definition_arn,
            contract.OUTPUT_INPUT_PREFIXES: ",".join(prefix.uri for prefix in settings.input_prefixes),
            contract.OUTPUT_OUTPUT_PREFIX: settings.output_prefix.uri,
        }
        for name, value in outputs.items():
            cdk.CfnOutput(self, name, value=value)
