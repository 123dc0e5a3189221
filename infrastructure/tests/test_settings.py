import pytest

from infrastructure.account_infrastructure.settings import DataSource, SettingsError, parse_data_sources


def test_data_sources_are_comma_separated_s3_urls():
    assert parse_data_sources("s3://penguin-data/raw/houses, s3://public-datasets,s3://penguin-data/extra/") == (
        DataSource(bucket="penguin-data", prefix="raw/houses"),
        DataSource(bucket="public-datasets"),
        DataSource(bucket="penguin-data", prefix="extra"),
    )


def test_data_sources_may_be_a_list_as_cdk_json_holds_them():
    assert parse_data_sources(["s3://penguin-data/raw/houses.csv", "s3://public-datasets/"]) == (
        DataSource(bucket="penguin-data", prefix="raw/houses.csv"),
        DataSource(bucket="public-datasets"),
    )


def test_a_data_source_knows_its_url():
    assert DataSource(bucket="penguin-data", prefix="raw").url == "s3://penguin-data/raw"
    assert DataSource(bucket="public-datasets").url == "s3://public-datasets/"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "https://penguin-data.s3.amazonaws.com/raw",
            "dataSources: 'https://penguin-data.s3.amazonaws.com/raw' is not an s3:// URL; "
            "expected s3://bucket or s3://bucket/prefix",
        ),
        (
            "penguin-data/raw",
            "dataSources: 'penguin-data/raw' is not an s3:// URL; expected s3://bucket or s3://bucket/prefix",
        ),
        ("s3://", "dataSources: 's3://' names no bucket; expected s3://bucket or s3://bucket/prefix"),
        ("s3:///raw", "dataSources: 's3:///raw' names no bucket; expected s3://bucket or s3://bucket/prefix"),
        (
            "s3://penguin-data,,s3://public-datasets",
            "dataSources: an entry is empty; expected s3://bucket or s3://bucket/prefix, separated by commas",
        ),
        ("s3://Penguin_Data/raw", "dataSources: 's3://Penguin_Data/raw': 'Penguin_Data' is not a valid S3 bucket name"),
        ("s3://penguin-data/raw/*", "dataSources: 's3://penguin-data/raw/*': a prefix cannot hold * or ?"),
        ("s3://penguin-data/ra?", "dataSources: 's3://penguin-data/ra?': a prefix cannot hold * or ?"),
    ],
)
def test_a_value_that_is_not_an_s3_location_is_refused(value, message):
    with pytest.raises(SettingsError) as error:
        parse_data_sources(value)
    assert str(error.value) == message
