from dataclasses import dataclass

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class HttpsOptions:
    """HTTPS for the load balancer: an imported certificate, or a domain in a hosted zone, or neither (HTTP).

    The hosted zone is given by id and name because a lookup (HostedZone.from_lookup) needs AWS
    credentials at synth time.
    """

    certificate_arn: str | None = None
    domain_name: str | None = None
    hosted_zone_id: str | None = None
    hosted_zone_name: str | None = None

    def __post_init__(self) -> None:
        zone_parts = (self.hosted_zone_id, self.hosted_zone_name)
        if any(zone_parts) and not all(zone_parts):
            raise ValueError("hosted_zone_id and hosted_zone_name go together")
        if self.domain_name and not all(zone_parts):
            raise ValueError("domain_name needs hosted_zone_id and hosted_zone_name for its DNS record")

    @property
    def enabled(self) -> bool:
        return bool(self.certificate_arn or self.domain_name)


@dataclass(frozen=True)
class Endpoint:
    """What the load-balanced service pattern needs for HTTP or HTTPS."""

    certificate: acm.ICertificate | None
    domain_name: str | None
    domain_zone: route53.IHostedZone | None


def build_endpoint(scope: Construct, options: HttpsOptions) -> Endpoint:
    zone = None
    if options.hosted_zone_id and options.hosted_zone_name:
        zone = route53.HostedZone.from_hosted_zone_attributes(
            scope, "Zone", hosted_zone_id=options.hosted_zone_id, zone_name=options.hosted_zone_name
        )
    if options.certificate_arn:
        certificate: acm.ICertificate | None = acm.Certificate.from_certificate_arn(
            scope, "Certificate", options.certificate_arn
        )
    elif options.domain_name and zone:
        certificate = acm.Certificate(
            scope,
            "Certificate",
            domain_name=options.domain_name,
            validation=acm.CertificateValidation.from_dns(zone),
        )
    else:
        certificate = None
    return Endpoint(certificate=certificate, domain_name=options.domain_name, domain_zone=zone)
