"""Batch scoring on AWS Batch (Fargate): the service's own image runs `python -m app.scoring`.

An array job of N children runs the score job definition (child i scores shard i of N, from
AWS_BATCH_JOB_ARRAY_INDEX); a job that depends on the array runs the finalize job definition,
which checks every shard's part and manifest and writes `_SUCCESS`. The commands and parameter
names come from batch_contract.py, which the submit client reads too.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from . import batch_contract as contract
from .settings import S3Prefix

# The scorer's own verdicts (app/scoring/errors.py): 2 a bad command, input or output; 1 too many
# failed rows, or a shard missing at finalize. A rerun would give the same answer.
FINAL_EXIT_CODES = ("1", "2")
JOB_TIMEOUT = cdk.Duration.hours(2)
FINALIZE_TIMEOUT = cdk.Duration.minutes(15)


class BatchScoring(Construct):
    """A Fargate (or Fargate Spot) compute environment, a job queue, and the score and finalize jobs.

    `score_vcpus` and `score_memory_mib` size one array child (a valid Fargate pair, e.g. 1 vCPU
    with 2048-8192 MiB); finalize only reads manifests and gets 0.25 vCPU and 512 MiB.
    `job_timeout` bounds each attempt of a child. The jobs may read under `input_prefixes` and
    read, write and delete under `output_prefix`, nothing else in S3.
    Raises ValueError without input prefixes or when retry_attempts is not 1-10.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        assign_public_ip: bool,
        image: ecs.ContainerImage,
        git_commit: str,
        input_prefixes: Sequence[S3Prefix],
        output_prefix: S3Prefix,
        spot: bool,
        max_vcpus: int,
        score_vcpus: float = 1,
        score_memory_mib: int = 4096,
        job_timeout: cdk.Duration = JOB_TIMEOUT,
        retry_attempts: int = 3,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, construct_id)
        if not input_prefixes:
            raise ValueError("batch scoring needs at least one input prefix")
        if not 1 <= retry_attempts <= 10:
            raise ValueError(f"AWS Batch allows 1-10 attempts, got {retry_attempts}")
        self.compute_environment = batch.FargateComputeEnvironment(
            self, "Compute", vpc=vpc, vpc_subnets=subnets, spot=spot, maxv_cpus=max_vcpus
        )
        self.job_queue = batch.JobQueue(
            self,
            "Queue",
            compute_environments=[
                batch.OrderedComputeEnvironment(compute_environment=self.compute_environment, order=1)
            ],
        )
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention)
        self._image, self._assign_public_ip = image, assign_public_ip
        self._environment = {
            # pyarrow finds each bucket's region itself (an anonymous HeadBucket), but starts from
            # the SDK's default region; Batch does not promise these variables on Fargate.
            "AWS_REGION": cdk.Aws.REGION,
            "AWS_DEFAULT_REGION": cdk.Aws.REGION,
            "GIT_COMMIT": git_commit,
        }
        score_role = _job_role(self, "ScoreRole", readable=input_prefixes, writable=output_prefix)
        finalize_role = _job_role(self, "FinalizeRole", readable=(), writable=output_prefix)
        self.score_job = self._job(
            "Score", contract.score_command(), score_role, score_vcpus, score_memory_mib, job_timeout, retry_attempts
        )
        self.finalize_job = self._job(
            "Finalize", contract.finalize_command(), finalize_role, 0.25, 512, FINALIZE_TIMEOUT, retry_attempts
        )

    def _job(
        self,
        name: str,
        command: list[str],
        role: iam.IRole,
        vcpus: float,
        memory_mib: int,
        timeout: cdk.Duration,
        attempts: int,
    ) -> batch.EcsJobDefinition:
        container = batch.EcsFargateContainerDefinition(
            self,
            f"{name}Container",
            image=self._image,
            command=command,
            cpu=vcpus,
            memory=cdk.Size.mebibytes(memory_mib),
            job_role=role,
            environment=self._environment,
            # In public subnets the task needs its own address to reach ECR, S3 and CloudWatch.
            assign_public_ip=self._assign_public_ip,
            fargate_cpu_architecture=ecs.CpuArchitecture.X86_64,  # the image is built for linux/amd64
            fargate_operating_system_family=ecs.OperatingSystemFamily.LINUX,
            logging=ecs.LogDrivers.aws_logs(stream_prefix=name.lower(), log_group=self.log_group),
        )
        _acknowledge_execution_role(container)
        return batch.EcsJobDefinition(
            self,
            f"{name}Job",
            container=container,
            # Submitted values replace these; input, output and shards have no sensible default.
            parameters={contract.PARAMETER_MAX_ERROR_RATE: contract.DEFAULT_MAX_ERROR_RATE},
            retry_attempts=attempts,
            # Batch retries an attempt that matches no entry: a Fargate Spot interruption (SIGTERM,
            # exit 143), an out-of-memory kill (137), a host or agent error, an image pull that failed.
            # Retrying the scorer's own verdicts cannot help, so those end the job at once.
            retry_strategies=[
                batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom(on_exit_code=code))
                for code in FINAL_EXIT_CODES
            ],
            timeout=timeout,
        )


def _job_role(scope: Construct, construct_id: str, *, readable: Sequence[S3Prefix], writable: S3Prefix) -> iam.Role:
    """A role for the job's container: S3 under the given prefixes and nothing else.

    The actions are what pyarrow's S3 filesystem sends for the scorer (app/scoring/uris.py, sinks.py):
    - s3:GetObject: GetObject and HeadObject. pyarrow heads the prefix itself, to learn whether a
      path is a file or a folder, so the prefix's own key is included.
    - s3:ListBucket, on keys under the prefixes only: folder listings. It also authorizes
      HeadBucket, which carries no prefix (the scorer checks that the output bucket exists), and
      with it S3 answers a HeadObject on a missing key with 404, which pyarrow reads as "not
      there", instead of 403, an error. Hence IfExists: a request without a prefix passes.
    - s3:PutObject (output): single and multipart uploads; the scorer spools a part on local disk
      and uploads it whole, so no copy or rename; pyarrow also writes an empty folder marker
      when it deletes a folder's last file.
    - s3:DeleteObject (output): a rerun child drops its shard's old manifest and `_SUCCESS`; an
      upload that came up short is removed.
    - s3:AbortMultipartUpload (output): what pyarrow's output stream sends when it is aborted
      rather than closed. The scorer does not abort one today (a killed upload waits for the
      bucket's lifecycle rule), but a stream aborted on an error must be able to clean up.
    Region look-ups are anonymous HeadBucket requests: no permission.
    """
    role = iam.Role(scope, construct_id, assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    readable_keys = [*readable, writable]
    role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=_object_arns(readable_keys)))
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            resources=[_object_arn(writable.bucket, f"{writable.key}/*")],
        )
    )
    for bucket in dict.fromkeys(prefix.bucket for prefix in readable_keys):
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[f"arn:{cdk.Aws.PARTITION}:s3:::{bucket}"],
                conditions={
                    "StringLikeIfExists": {
                        "s3:prefix": [f"{prefix.key}/*" for prefix in readable_keys if prefix.bucket == bucket]
                    }
                },
            )
        )
    _acknowledge_prefix_wildcards(role, readable_keys)
    return role


def _object_arns(prefixes: Sequence[S3Prefix]) -> list[str]:
    arns = [
        arn
        for prefix in prefixes
        for arn in (_object_arn(prefix.bucket, prefix.key), _object_arn(prefix.bucket, f"{prefix.key}/*"))
    ]
    return list(dict.fromkeys(arns))


def _object_arn(bucket: str, key: str) -> str:
    return f"arn:{cdk.Aws.PARTITION}:s3:::{bucket}/{key}"


def _acknowledge_prefix_wildcards(role: iam.Role, prefixes: Sequence[S3Prefix]) -> None:
    for prefix in dict.fromkeys(prefixes):
        cdk.Validations.of(role).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{prefix.bucket}/{prefix.key}/*]",
                reason=(
                    "The jobs read or write any file under this configured prefix (the input's files and "
                    "the output's parts, manifests and _SUCCESS are named at run time), and nothing outside it."
                ),
            )
        )


def _acknowledge_execution_role(container: batch.EcsFargateContainerDefinition) -> None:
    cdk.Validations.of(container.execution_role).acknowledge(
        cdk.Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason=(
                "ecr:GetAuthorizationToken, which the execution role needs to pull the image, "
                "has no resource-level permissions: AWS requires Resource '*' for it."
            ),
        )
    )
