"""Application load balancers write access logs: the record of every request at the edge that
an incident review starts from (Checkov CKV_AWS_91; AWSGuard's elb access-logging policy)."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, Subject, expect, resource_policy
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.balancers import is_application, is_internal
from fargate_policies.readers.values import describe, is_unknown

_KNOBS = {
    "allowedBucketPrefixes": Knob(
        "array",
        [],
        "Bucket name prefixes logs may go to (e.g. a central log archive); empty allows any.",
    ),
    "exemptInternal": Knob("boolean", False, "Leave internal (private) load balancers unchecked."),
}
_FIX = (
    "set accessLogs to {bucket: '<bucket>', enabled: true} and give ELB log delivery s3:PutObject "
    "on that bucket in its bucket policy"
)


@resource_policy(EnforcementLevel.ADVISORY, "alb-access-logs", rt.LOAD_BALANCERS, _KNOBS)
def alb_access_logs(resource: Subject, findings: Findings) -> None:
    """Checks whether an application load balancer writes access logs to an S3 bucket (one of
    the allowed buckets, where the platform names them)."""
    props = resource.props
    application, internal = is_application(props), is_internal(props)
    if is_unknown(application):
        findings.skip(resource.not_known("loadBalancerType"))
        return
    if not application:
        return
    if resource.knobs["exemptInternal"]:
        if is_unknown(internal):
            findings.skip(resource.not_known("internal"))
            return
        if internal:
            return
    logs = props.get("accessLogs")
    if is_unknown(logs):
        findings.skip(resource.not_known("accessLogs"))
        return
    logs = logs if isinstance(logs, dict) else {}
    on = expect(
        findings,
        logs.get("enabled"),
        lambda enabled: enabled is True,
        unknown=resource.not_known("accessLogs.enabled"),
        violation=f"{resource.subject} must write access logs (accessLogs.enabled {{shown}}): "
        f"{_FIX}.",
    )
    if on:
        _check_bucket(resource, logs.get("bucket"), findings)


def _check_bucket(resource: Subject, bucket: object, findings: Findings) -> None:
    named = expect(
        findings,
        bucket,
        _is_bucket_name,
        unknown=resource.not_known("accessLogs.bucket"),
        violation=f"{resource.subject} must name the S3 bucket of its access logs "
        f"(accessLogs.bucket {{shown}}): {_FIX}.",
    )
    prefixes = tuple(resource.knobs["allowedBucketPrefixes"])
    if named and prefixes and not str(bucket).startswith(prefixes):
        findings.violation(_outside_allowed(resource, prefixes, str(bucket)))


def _is_bucket_name(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _outside_allowed(resource: Subject, prefixes: tuple[str, ...], bucket: str) -> str:
    shown = ", ".join(map(repr, prefixes))
    return (
        f"{resource.subject} must write access logs to a bucket whose name starts with {shown}, "
        f"not {describe(bucket)}: use the platform's log bucket."
    )
