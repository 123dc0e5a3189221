import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

_PUBLIC = ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24)
_PRIVATE = ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=24)


class Network(Construct):
    """A two-AZ VPC; tasks run in public subnets (no NAT) unless `private_subnets` is set."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        private_subnets: bool = False,
        nat_gateways: int = 1,
    ) -> None:
        super().__init__(scope, construct_id)
        if private_subnets and not 1 <= nat_gateways <= 2:
            raise ValueError(f"private subnets need 1 or 2 NAT gateways, got {nat_gateways}")
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            # An environment-agnostic stack resolves these with Fn::GetAZs: no lookup at synth time.
            max_azs=2,
            nat_gateways=nat_gateways if private_subnets else 0,
            subnet_configuration=[_PUBLIC, _PRIVATE] if private_subnets else [_PUBLIC],
        )
        self.private_subnets = private_subnets
        self.task_subnets = ec2.SubnetSelection(
            subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS if private_subnets else ec2.SubnetType.PUBLIC
        )
        cdk.Validations.of(self.vpc).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-VPC7",
                reason=(
                    "The VPC carries only ALB-to-task HTTP and task egress to AWS APIs; the ALB target "
                    "metrics and the service logs already cover that traffic, so flow logs would add "
                    "CloudWatch ingestion cost without adding a signal we act on."
                ),
            )
        )
