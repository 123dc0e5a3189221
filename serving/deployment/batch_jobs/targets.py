"""Where runs go: the job queue and job definitions, read from the batch scoring stack's outputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deployment.batch_jobs.errors import BatchJobError
from deployment.service_deployment import batch_contract


@dataclass(frozen=True)
class BatchTargets:
    stack: str
    job_queue: str
    score_job_definition: str
    finalize_job_definition: str
    # The S3 prefixes the jobs' role may read and write: anything else would be refused mid-run.
    input_prefixes: tuple[str, ...]
    output_prefix: str


_OUTPUTS = (
    batch_contract.OUTPUT_JOB_QUEUE,
    batch_contract.OUTPUT_SCORE_JOB_DEFINITION,
    batch_contract.OUTPUT_FINALIZE_JOB_DEFINITION,
    batch_contract.OUTPUT_INPUT_PREFIXES,
    batch_contract.OUTPUT_OUTPUT_PREFIX,
)


def read_targets(cloudformation: Any, stack: str) -> BatchTargets:
    """The deployed stack's outputs; BatchJobError when the stack or an output is not there."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if "does not exist" in error.get("Message", ""):
            raise BatchJobError(
                f"stack {stack} is not deployed in this account and region: run `make deploy-batch`"
            ) from exc
        raise BatchJobError(f"cannot read stack {stack}: {error.get('Code')}: {error.get('Message')}") from exc
    except BotoCoreError as exc:
        raise BatchJobError(f"cannot read stack {stack}: {exc}") from exc
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stacks[0].get("Outputs", [])}
    missing = [name for name in _OUTPUTS if name not in outputs]
    if missing:
        raise BatchJobError(f"stack {stack} has no output {', '.join(missing)}: is it the batch scoring stack?")
    return BatchTargets(
        stack=stack,
        job_queue=outputs[batch_contract.OUTPUT_JOB_QUEUE],
        score_job_definition=outputs[batch_contract.OUTPUT_SCORE_JOB_DEFINITION],
        finalize_job_definition=outputs[batch_contract.OUTPUT_FINALIZE_JOB_DEFINITION],
        input_prefixes=tuple(p.strip() for p in outputs[batch_contract.OUTPUT_INPUT_PREFIXES].split(",") if p.strip()),
        output_prefix=outputs[batch_contract.OUTPUT_OUTPUT_PREFIX],
    )
