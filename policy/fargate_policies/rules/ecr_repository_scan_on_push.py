"""ECR repositories scan every image on push, so known CVEs are reported before the image runs."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Subject, expect_true, resource_policy
from fargate_policies.readers import resource_types as rt


@resource_policy(EnforcementLevel.ADVISORY, "ecr-repository-scan-on-push", rt.ECR_REPOSITORIES)
def ecr_scan_on_push(resource: Subject, findings: Findings) -> None:
    """Checks whether an ECR repository scans every image on push."""
    config = resource.props.get("imageScanningConfiguration")
    scan = config.get("scanOnPush") if isinstance(config, dict) else config
    key = "imageScanningConfiguration.scanOnPush"
    expect_true(findings, resource, key, scan, "so every pushed image is scanned for known CVEs")
