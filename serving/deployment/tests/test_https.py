import pytest
from aws_cdk.assertions import Capture, Match

from deployment.service_deployment.https import HttpsOptions

CERTIFICATE_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"


def test_no_certificate_and_no_domain_means_http():
    assert not HttpsOptions().enabled


@pytest.mark.parametrize(
    "options",
    [
        {"certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"},
        {"domain_name": "api.example.com", "hosted_zone_id": "Z1", "hosted_zone_name": "example.com"},
    ],
)
def test_a_certificate_or_a_domain_in_a_zone_means_https(options):
    assert HttpsOptions(**options).enabled


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"domain_name": "api.example.com"}, "domain_name needs hosted_zone_id and hosted_zone_name"),
        ({"hosted_zone_id": "Z1"}, "hosted_zone_id and hosted_zone_name go together"),
        (
            {"certificate_arn": "arn:aws:acm:us-east-1:1:certificate/a", "domain_name": "api.example.com"},
            "domain_name needs hosted_zone_id and hosted_zone_name",
        ),
    ],
)
def test_incomplete_domain_settings_are_rejected(options, message):
    with pytest.raises(ValueError, match=message):
        HttpsOptions(**options)


@pytest.mark.slow
def test_http_only_without_a_certificate(default_service):
    template = default_service.template
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 80, "Protocol": "HTTP", "DefaultActions": [Match.object_like({"Type": "forward"})]},
    )
    listeners = template.find_resources("AWS::ElasticLoadBalancingV2::Listener")
    assert [listener["Properties"]["Port"] for listener in listeners.values()] == [80]
    assert template.find_resources("AWS::CertificateManager::Certificate") == {}
    assert default_service.raw["Outputs"]["ServiceUrl"]["Value"]["Fn::Join"][1][0] == "http://"


@pytest.mark.slow
def test_https_with_an_imported_certificate_redirects_http(https_service):
    template = https_service.template
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 443,
            "Protocol": "HTTPS",
            "Certificates": [{"CertificateArn": CERTIFICATE_ARN}],
            "SslPolicy": Match.string_like_regexp("TLS13"),
            "DefaultActions": [Match.object_like({"Type": "forward"})],
        },
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "Protocol": "HTTP",
            "DefaultActions": [
                {
                    "Type": "redirect",
                    "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
                }
            ],
        },
    )


@pytest.mark.slow
def test_https_on_a_domain_validates_its_certificate_by_dns_and_points_the_name_at_the_alb(domain_service):
    template = domain_service.template
    certificate = Capture()
    template.has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {
            "DomainName": "penguins.example.com",
            "ValidationMethod": "DNS",
            "DomainValidationOptions": [
                {"DomainName": "penguins.example.com", "HostedZoneId": "Z0123456789ABCDEFGHIJ"}
            ],
        },
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 443, "Protocol": "HTTPS", "Certificates": [{"CertificateArn": {"Ref": certificate}}]},
    )
    assert certificate.as_string() in template.find_resources("AWS::CertificateManager::Certificate")
    template.has_resource_properties(
        "AWS::Route53::RecordSet",
        {"Name": "penguins.example.com.", "Type": "A", "HostedZoneId": "Z0123456789ABCDEFGHIJ"},
    )
    template.has_output("ServiceUrl", {"Value": "https://penguins.example.com"})
