from pathlib import Path
from typing import Any

from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_

# Never part of the image, whatever the service's own .dockerignore says.
ASSET_EXCLUDES = (
    "**/tests",
    "**/__pycache__",
    "**/*.pyc",
    ".venv",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".env",
    "cdk.out",
)


def service_image(directory: Path, *, git_commit: str) -> ecs.ContainerImage:
    """The service image, built by the CDK CLI at deploy time (synthesis only stages the folder).

    The commit is a build argument, so each commit is its own asset (its ECR tag is the asset hash)
    and the Dockerfile can label the image with it (`ARG GIT_COMMIT`).
    """
    return ecs.ContainerImage.from_asset(**_asset(directory, git_commit))


def function_image(directory: Path, *, git_commit: str) -> lambda_.DockerImageCode:
    """The same image, as a Lambda function's code: built with the same options, so the same asset."""
    return lambda_.DockerImageCode.from_image_asset(**_asset(directory, git_commit))


def _asset(directory: Path, git_commit: str) -> dict[str, Any]:
    # One set of options for both targets: equal options give the same asset hash, built and pushed once.
    if not (directory / "Dockerfile").is_file():
        raise FileNotFoundError(f"no Dockerfile in {directory}")
    return {
        "directory": str(directory),
        "exclude": list(ASSET_EXCLUDES),
        "build_args": {"GIT_COMMIT": git_commit},
        "platform": ecr_assets.Platform.LINUX_AMD64,
        "display_name": f"model-service@{git_commit[:12]}",
    }
