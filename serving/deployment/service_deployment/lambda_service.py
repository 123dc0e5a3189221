from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from .lambda_adapter import HEALTH_CHECK_PATH, SERVICE_PORT, adapter_environment

# Memory buys CPU on Lambda: at 1,769 MB a function has one full vCPU, the most one worker can use.
ONE_VCPU_MEMORY_MIB = 1769
# A prediction takes milliseconds and a full batch well under a second; this only bounds a stuck request.
TIMEOUT = cdk.Duration.seconds(10)


class LambdaService(Construct):
    """The service image as an AWS Lambda function behind an HTTPS function URL.

    The image carries the AWS Lambda Web Adapter as an extension: Lambda starts it with the image's CMD
    (gunicorn, unchanged), it waits until GET `health_check_path` answers, then turns each invocation into
    an HTTP request to gunicorn on loopback. One execution environment serves one request at a time, so
    one worker is enough; reserved concurrency caps how many environments run at once (a cost guard).

    The function URL's auth type is NONE: like the load balancer, it lets every request through to the
    service, which checks the API key itself (`MODEL_SERVICE_API_KEY`, except on /health and /livez).
    Lambda has no secret injection: the key's value is resolved from Secrets Manager by CloudFormation
    at deploy time into the function's environment (the template holds only the reference).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.DockerImageCode,
        git_commit: str,
        memory_mib: int = ONE_VCPU_MEMORY_MIB,
        timeout: cdk.Duration = TIMEOUT,
        reserved_concurrency: int | None = 2,
        health_check_path: str = HEALTH_CHECK_PATH,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        api_key_secret: secretsmanager.ISecret | None = None,
        api_key_env_var: str = "MODEL_SERVICE_API_KEY",
    ) -> None:
        super().__init__(scope, construct_id)
        if reserved_concurrency is not None and reserved_concurrency < 1:
            raise ValueError(f"reserved_concurrency must be at least 1 (None for no cap), got {reserved_concurrency}")
        if not 1 <= timeout.to_seconds() <= 60:
            raise ValueError(f"timeout must be 1-60 s, got {timeout.to_seconds()} s")
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention)
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        self.log_group.grant_write(role)
        environment = adapter_environment(port=SERVICE_PORT, health_check_path=health_check_path)
        environment["GIT_COMMIT"] = git_commit
        if api_key_secret is not None:
            # A CloudFormation dynamic reference, resolved when the function is created or updated: every
            # commit is a new image, so each deploy re-reads the secret (rotate: put-secret-value, deploy).
            environment[api_key_env_var] = api_key_secret.secret_value.unsafe_unwrap()
        self.function = lambda_.DockerImageFunction(
            self,
            "Function",
            code=code,
            description=f"Model service {git_commit[:12]} (gunicorn behind the Lambda Web Adapter)",
            architecture=lambda_.Architecture.X86_64,
            memory_size=memory_mib,
            timeout=timeout,
            reserved_concurrent_executions=reserved_concurrency,
            role=role,
            log_group=self.log_group,
            environment=environment,
        )
        # CDK makes the function depend on its role and the role's policy (logs must be writable at the first
        # start); the role edge duplicates the GetAtt of its ARN, which cfn-lint reports as W3005.
        cfn_function = cast(cdk.CfnResource, self.function.node.default_child)
        cfn_function.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        self.url = self.function.add_function_url(
            auth_type=lambda_.FunctionUrlAuthType.NONE, invoke_mode=lambda_.InvokeMode.BUFFERED
        )
        # https://<id>.lambda-url.<region>.on.aws/ -> its host, for a base URL without the trailing slash.
        self.host = cdk.Fn.select(2, cdk.Fn.split("/", self.url.url))
