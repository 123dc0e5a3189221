import configparser
from pathlib import Path
from urllib.parse import urlparse

import pytest
from aws_cdk.assertions import Match

from infrastructure.account_infrastructure.settings import DEFAULT_DVC_BUCKET, AccountSettings

pytestmark = pytest.mark.slow

DVC_CONFIG = Path(__file__).resolve().parents[2] / ".dvc" / "config"


def _dvc_remote_url() -> str:
    config = configparser.ConfigParser()
    config.read(DVC_CONFIG)
    remote = config["core"]["remote"]
    return config[f"'remote \"{remote}\"'"]["url"]


def test_default_bucket_and_prefix_are_the_dvc_remote_of_this_repository():
    url = urlparse(_dvc_remote_url())
    assert (url.scheme, url.netloc, url.path.strip("/")) == ("s3", DEFAULT_DVC_BUCKET, AccountSettings().dvc_prefix)


def test_bucket_name_and_remote_url_are_outputs(account):
    account.template.has_resource_properties("AWS::S3::Bucket", {"BucketName": DEFAULT_DVC_BUCKET})
    account.template.has_output("DvcBucketName", {"Value": {"Ref": Match.any_value()}})
    account.template.has_output("DvcRemoteUrl", {"Value": _dvc_remote_url()})


def test_bucket_is_versioned_encrypted_and_private(account):
    account.template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        },
    )


def test_bucket_outlives_the_stack(account):
    account.template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})


def test_bucket_policy_refuses_every_request_without_tls(account):
    account.template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Principal": {"AWS": "*"},
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                # Both the bucket and its objects.
                                "Resource": [Match.any_value(), Match.any_value()],
                            }
                        )
                    ]
                )
            }
        },
    )


def test_bucket_name_comes_from_context(synthesize_account):
    other = synthesize_account({"dvcBucketName": "another-dvc-bucket", "dvcPrefix": "cache"})
    other.template.has_resource_properties("AWS::S3::Bucket", {"BucketName": "another-dvc-bucket"})
    other.template.has_output("DvcRemoteUrl", {"Value": "s3://another-dvc-bucket/cache"})
