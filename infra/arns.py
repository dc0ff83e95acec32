"""AWS ARNs and the identifiers inside them: what an ARN of each kind the program reads looks like,
and the ARNs derived from one (a secret's IAM resource, an image's ECR repository).

Plain functions and patterns, no Pulumi: config validation (infra.validation, infra.settings)
checks values with them and the components (infra.service, infra.registry) derive policies'
resources from them.
"""

from __future__ import annotations

import re

_PARTITION = r"aws(?:-cn|-us-gov)?"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
_ACCOUNT = r"\d{12}"
REGION_PATTERN = re.compile(rf"^{_REGION}$")
CERTIFICATE_ARN = re.compile(
    rf"^arn:{_PARTITION}:acm:(?P<region>{_REGION}):{_ACCOUNT}:certificate/[0-9a-f-]{{36}}$"
)
SSM_PARAMETER_ARN = re.compile(
    rf"^arn:{_PARTITION}:ssm:{_REGION}:{_ACCOUNT}:parameter/[A-Za-z0-9_.\-/]{{1,1011}}$"
)
# A secret's ARN ends in "-" and six random characters; ECS also accepts a JSON key, version
# stage and version id after it ("...:secret:name-AbCdEf:json-key:AWSCURRENT:").
SECRETS_MANAGER_ARN = re.compile(
    rf"^(?P<secret>arn:{_PARTITION}:secretsmanager:{_REGION}:{_ACCOUNT}:secret:"
    r"[A-Za-z0-9/_+=.@\-]+-[A-Za-z0-9]{6})(?::[^:]*:[^:]*:[^:]*)?$"
)
ECR_IMAGE = re.compile(
    rf"^(?P<account>{_ACCOUNT})\.dkr\.ecr\.(?P<region>{_REGION})\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[a-z0-9]+(?:[._/-][a-z0-9]+)*)"
)


def secret_arn_kind(arn: str) -> str | None:
    """'ssm' or 'secretsmanager' for an ARN ECS can read a secret from, else None."""
    if SSM_PARAMETER_ARN.match(arn):
        return "ssm"
    if SECRETS_MANAGER_ARN.match(arn):
        return "secretsmanager"
    return None


def secret_resource_arn(arn: str) -> str:
    """The IAM resource for a secret reference: a Secrets Manager ARN without its JSON-key,
    version-stage and version-id suffix (IAM matches the secret, not the field)."""
    match = SECRETS_MANAGER_ARN.match(arn)
    return match["secret"] if match else arn


def ecr_repository_arn(image: str) -> str | None:
    """The ECR repository ARN an image URI lives in, or None for other registries."""
    match = ECR_IMAGE.match(image)
    if not match:
        return None
    partition = "aws-cn" if ".amazonaws.com.cn/" in image else "aws"
    return (
        f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['repository']}"
    )
