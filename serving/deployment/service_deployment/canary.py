from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as ecs_patterns
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from constructs import Construct

from .release import Canary

# AWS's managed policy for ECS blue/green, linear and canary deployments through a load balancer.
DEPLOYMENT_POLICY = "AmazonECSInfrastructureRolePolicyForLoadBalancers"


class CanaryRouting(Construct):
    """What ECS's canary strategy needs beside the service's own target group, and the strategy itself.

    An alternate target group for the new revision; a production rule (every path, on the public
    listener) and a test listener with its rule, whose forward weights ECS moves between the two
    groups; a role for ECS to do so. The ALB pattern does not pass a deployment strategy through to
    its service, so the strategy and the load balancer's advanced configuration are set on the
    service's CloudFormation resource.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        web: ecs_patterns.ApplicationLoadBalancedFargateService,
        release: Canary,
        certificate: acm.ICertificate | None,
    ) -> None:
        super().__init__(scope, construct_id)
        vpc = web.cluster.vpc
        self.alternate = elbv2.ApplicationTargetGroup(
            self,
            "Alternate",
            vpc=vpc,
            port=80,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
        )
        every_path = [elbv2.ListenerCondition.path_patterns(["/*"])]
        production = elbv2.ApplicationListenerRule(
            self,
            "Production",
            listener=web.listener,
            priority=1,
            conditions=every_path,
            target_groups=[web.target_group],
        )
        self.test_listener = web.load_balancer.add_listener(
            "TestListener",
            port=release.test_port,
            protocol=elbv2.ApplicationProtocol.HTTPS if certificate else elbv2.ApplicationProtocol.HTTP,
            certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)] if certificate else None,
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS if certificate else None,
            open=True,
            default_target_groups=[self.alternate],
        )
        test = elbv2.ApplicationListenerRule(
            self, "Test", listener=self.test_listener, priority=1, conditions=every_path, target_groups=[self.alternate]
        )
        role = iam.Role(
            self,
            "DeploymentRole",
            assumed_by=iam.ServicePrincipal("ecs.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(DEPLOYMENT_POLICY)],
        )
        service = cast(ecs.CfnService, web.service.node.default_child)
        service.add_property_override("DeploymentConfiguration.Strategy", "CANARY")
        service.add_property_override(
            "DeploymentConfiguration.CanaryConfiguration",
            {"CanaryPercent": release.percent, "CanaryBakeTimeInMinutes": release.canary_bake_minutes},
        )
        service.add_property_override("DeploymentConfiguration.BakeTimeInMinutes", release.bake_minutes)
        service.add_property_override(
            "LoadBalancers.0.AdvancedConfiguration",
            {
                "AlternateTargetGroupArn": self.alternate.target_group_arn,
                "ProductionListenerRule": production.listener_rule_arn,
                "TestListenerRule": test.listener_rule_arn,
                "RoleArn": role.role_arn,
            },
        )
        if release.smoke_test_timeout_minutes is not None:
            # Paused once the test listener reaches the new tasks: the deploy workflow smoke-tests them there,
            # then continues or rolls back (cicd/canary_gate.py); nobody answering in time is a rollback.
            service.add_property_override(
                "DeploymentConfiguration.LifecycleHooks",
                [
                    {
                        "TargetType": "PAUSE",
                        "LifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                        "TimeoutConfiguration": {
                            "TimeoutInMinutes": release.smoke_test_timeout_minutes,
                            "Action": "ROLLBACK",
                        },
                    }
                ],
            )
        web.service.node.add_dependency(production, test, role)
        cdk.Validations.of(role).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{DEPLOYMENT_POLICY}]",
                reason=(
                    "AWS's managed policy for ECS blue/green, linear and canary deployments: ECS needs exactly "
                    "these load balancer permissions to move listener rules between the two target groups."
                ),
            )
        )
