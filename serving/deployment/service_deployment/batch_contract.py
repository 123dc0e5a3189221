"""What the batch scoring stack and `make score-aws` agree on: the stack's outputs and the jobs' parameters.

No CDK import here: the submit client (batch_jobs/) reads this module without loading aws_cdk.
"""

from __future__ import annotations

STACK_NAME_PREFIX = "PenguinsBatchScoring"

# CloudFormation outputs of the stack.
OUTPUT_JOB_QUEUE = "JobQueueArn"
OUTPUT_SCORE_JOB_DEFINITION = "ScoreJobDefinitionArn"
OUTPUT_FINALIZE_JOB_DEFINITION = "FinalizeJobDefinitionArn"
OUTPUT_INPUT_PREFIXES = "InputPrefixes"  # s3:// URIs, comma-separated
OUTPUT_OUTPUT_PREFIX = "OutputPrefix"  # one s3:// URI

# Job parameters: AWS Batch substitutes `Ref::<name>` in the command with the submitted value.
PARAMETER_INPUT = "input"
PARAMETER_OUTPUT = "output"
PARAMETER_SHARDS = "shards"
PARAMETER_MAX_ERROR_RATE = "maxErrorRate"
# A rate of 1 never fails a run: failed rows are kept with their error either way.
DEFAULT_MAX_ERROR_RATE = "1"


def stack_name(environment: str) -> str:
    return f"{STACK_NAME_PREFIX}-{environment}"


def score_command() -> list[str]:
    """One array child: scores shard AWS_BATCH_JOB_ARRAY_INDEX of `shards` into a part under `output`."""
    return [
        "python", "-m", "app.scoring", "score", f"Ref::{PARAMETER_INPUT}", f"Ref::{PARAMETER_OUTPUT}",
        "--shards", f"Ref::{PARAMETER_SHARDS}", "--max-error-rate", f"Ref::{PARAMETER_MAX_ERROR_RATE}",
    ]  # fmt: skip


def finalize_command() -> list[str]:
    """After every child: checks each shard's part and manifest, then writes `_SUCCESS`."""
    return [
        "python", "-m", "app.scoring", "finalize", f"Ref::{PARAMETER_OUTPUT}",
        "--shards", f"Ref::{PARAMETER_SHARDS}", "--max-error-rate", f"Ref::{PARAMETER_MAX_ERROR_RATE}",
    ]  # fmt: skip
