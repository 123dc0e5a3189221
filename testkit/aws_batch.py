"""The batch scoring stack as moto knows it: a job queue, the two job definitions and the stack's outputs.

moto's Batch runs no containers here (`use_docker: false`): a submitted job is marked SUCCEEDED at
once, or FAILED when the server runs with MOTO_SIMPLE_BATCH_FAIL_AFTER. Tests play the containers'
part themselves with the submitted commands (`job_commands`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deployment.service_deployment import batch_contract
from testkit.s3 import S3Server


@dataclass(frozen=True)
class BatchStack:
    name: str
    job_queue: str
    score_job_definition: str
    finalize_job_definition: str


def client(server: S3Server, service: str) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=server.env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=server.env["AWS_SECRET_ACCESS_KEY"],
    )


def deploy_batch_stack(
    server: S3Server, *, environment: str, input_prefixes: list[str], output_prefix: str
) -> BatchStack:
    """Create the stack's Batch resources and its outputs (as the contract names them) in moto."""
    _disable_containers(server)
    batch, name = client(server, "batch"), batch_contract.stack_name(environment)
    queue = batch.create_job_queue(
        jobQueueName=f"{name}-queue",
        state="ENABLED",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": _compute_environment(server, name)}],
    )["jobQueueArn"]
    score, finalize = (
        _job_definition(batch, f"{name}-{kind}", command)
        for kind, command in (
            ("score", batch_contract.score_command()),
            ("finalize", batch_contract.finalize_command()),
        )
    )
    outputs = {
        batch_contract.OUTPUT_JOB_QUEUE: queue,
        batch_contract.OUTPUT_SCORE_JOB_DEFINITION: score,
        batch_contract.OUTPUT_FINALIZE_JOB_DEFINITION: finalize,
        batch_contract.OUTPUT_INPUT_PREFIXES: ",".join(input_prefixes),
        batch_contract.OUTPUT_OUTPUT_PREFIX: output_prefix,
    }
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    client(server, "cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))
    return BatchStack(name=name, job_queue=queue, score_job_definition=score, finalize_job_definition=finalize)


def job_commands(server: S3Server, job_id: str) -> list[tuple[list[str], dict[str, str]]]:
    """What AWS Batch would run for a submitted job: per child, its command with the job's
    parameters substituted for `Ref::<name>`, and the variables Batch sets (the array index)."""
    batch = client(server, "batch")
    (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
    (definition,) = batch.describe_job_definitions(jobDefinitions=[job["jobDefinition"]])["jobDefinitions"]
    command = substitute(definition["containerProperties"]["command"], definition.get("parameters", {}), job)
    size = job.get("arrayProperties", {}).get("size")
    if size is None:
        return [(command, {})]
    return [(command, {"AWS_BATCH_JOB_ARRAY_INDEX": str(index)}) for index in range(size)]


def substitute(command: list[str], defaults: Mapping[str, str], job: Mapping[str, Any]) -> list[str]:
    """A job definition's command as AWS Batch runs it for `job` (a SubmitJob request or a
    DescribeJobs entry): its parameters, over the definition's defaults, replace `Ref::<name>`."""
    parameters = {**defaults, **job.get("parameters", {})}
    return [_substitute(part, parameters) for part in command]


def _substitute(part: str, parameters: Mapping[str, str]) -> str:
    # AWS Batch replaces a whole `Ref::name` argument that names a parameter; anything else stays.
    if part.startswith("Ref::") and part[len("Ref::") :] in parameters:
        return parameters[part[len("Ref::") :]]
    return part


def _disable_containers(server: S3Server) -> None:
    import requests

    requests.post(
        f"{server.endpoint}/moto-api/config", json={"batch": {"use_docker": False}}, timeout=10
    ).raise_for_status()


def _compute_environment(server: S3Server, name: str) -> str:
    ec2, iam = client(server, "ec2"), client(server, "iam")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=name, Description="batch scoring", VpcId=vpc)["GroupId"]
    role = iam.create_role(RoleName=f"{name}-service", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return str(
        client(server, "batch").create_compute_environment(
            computeEnvironmentName=f"{name}-fargate",
            type="MANAGED",
            state="ENABLED",
            computeResources={"type": "FARGATE", "maxvCpus": 16, "subnets": [subnet], "securityGroupIds": [group]},
            serviceRole=role,
        )["computeEnvironmentArn"]
    )


def _job_definition(batch: Any, name: str, command: list[str]) -> str:
    return str(
        batch.register_job_definition(
            jobDefinitionName=name,
            type="container",
            platformCapabilities=["FARGATE"],
            parameters={batch_contract.PARAMETER_MAX_ERROR_RATE: batch_contract.DEFAULT_MAX_ERROR_RATE},
            containerProperties={
                "image": "model-service",
                "command": command,
                "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "2048"}],
            },
        )["jobDefinitionArn"]
    )
