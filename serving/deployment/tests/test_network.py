import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Capture, Match

from deployment.service_deployment.network import Network

pytestmark = pytest.mark.slow


def _subnets_of_service(synthesized) -> list[str]:
    subnets = Capture()
    synthesized.template.has_resource_properties(
        "AWS::ECS::Service",
        {"NetworkConfiguration": {"AwsvpcConfiguration": Match.object_like({"Subnets": subnets})}},
    )
    return [subnet["Ref"] for subnet in subnets.as_array()]


def _availability_zone_indexes(synthesized) -> set[int]:
    subnets = synthesized.template.find_resources("AWS::EC2::Subnet")
    # Fn::Select [i, Fn::GetAZs ""]: the AZs are resolved at deploy time, never looked up at synth.
    return {subnet["Properties"]["AvailabilityZone"]["Fn::Select"][0] for subnet in subnets.values()}


def test_default_network_spans_two_azs_with_public_tasks_and_no_nat(default_service):
    template = default_service.template
    assert _availability_zone_indexes(default_service) == {0, 1}
    assert template.find_resources("AWS::EC2::NatGateway") == {}
    template.has_resource_properties(
        "AWS::ECS::Service",
        {"NetworkConfiguration": {"AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "ENABLED"})}},
    )
    public = template.find_resources("AWS::EC2::Subnet", {"Properties": {"MapPublicIpOnLaunch": True}})
    assert set(_subnets_of_service(default_service)) == set(public)


def test_private_network_puts_tasks_behind_nat(https_service):
    template = https_service.template
    assert _availability_zone_indexes(https_service) == {0, 1}
    assert len(template.find_resources("AWS::EC2::NatGateway")) == 2
    template.has_resource_properties(
        "AWS::ECS::Service",
        {"NetworkConfiguration": {"AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "DISABLED"})}},
    )
    private = template.find_resources("AWS::EC2::Subnet", {"Properties": {"MapPublicIpOnLaunch": False}})
    assert set(_subnets_of_service(https_service)) == set(private)
    assert private


def test_private_subnets_need_a_nat_gateway():
    with pytest.raises(ValueError, match="need 1 or 2 NAT gateways, got 0"):
        Network(cdk.Stack(cdk.App()), "Network", private_subnets=True, nat_gateways=0)
