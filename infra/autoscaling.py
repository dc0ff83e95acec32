"""Target-tracking autoscaling of the service's task count: on CPU and on ALB requests per task.

`FargateService.autoscale(...)` creates these as children of the service component, where a
reader looks for them (CDK's `service.autoScaleTaskCount(...)`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from pulumi_aws.appautoscaling import (
    PolicyTargetTrackingScalingPolicyConfigurationArgs as TrackingConfig,
)
from pulumi_aws.appautoscaling import (
    PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs as Metric,
)

from infra.settings import Settings

_DEFAULTS = Settings()


@dataclass(frozen=True)
class AutoscalingArgs:
    """How the task count scales; each default is the setting's (infra.settings)."""

    min_capacity: int = _DEFAULTS.min_count
    """Fewest tasks (config minCount). @default 1."""
    max_capacity: int = _DEFAULTS.max_count
    """Most tasks (config maxCount). @default 2."""
    cpu_target_percent: int = _DEFAULTS.cpu_target_percent
    """Average CPU to hold (config cpuTargetPercent). @default 60."""
    requests_per_target: int = _DEFAULTS.requests_per_target
    """ALB requests per task per minute to hold (config requestsPerTarget). @default 1000."""
    scale_in_cooldown: int = _DEFAULTS.scale_in_cooldown
    """Seconds between scale-in steps (config scaleInCooldown). @default 300."""
    scale_out_cooldown: int = _DEFAULTS.scale_out_cooldown
    """Seconds between scale-out steps (config scaleOutCooldown). @default 60."""


@dataclass(frozen=True)
class Autoscaling:
    target: aws.appautoscaling.Target
    policies: list[aws.appautoscaling.Policy]


def create_autoscaling(
    name: str,
    args: AutoscalingArgs,
    *,
    resource_id: pulumi.Input[str],
    request_count_label: pulumi.Input[str],
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> Autoscaling:
    """The scalable target of `resource_id` (service/<cluster>/<service>) and its two policies."""
    target = aws.appautoscaling.Target(
        name,
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=resource_id,
        min_capacity=args.min_capacity,
        max_capacity=args.max_capacity,
        tags=dict(tags),
        opts=opts,
    )
    # CPU catches expensive requests; request count catches a burst before CPU shows it.
    cpu = _target_tracking(
        f"{name}-cpu",
        target,
        args,
        target_value=args.cpu_target_percent,
        metric=Metric(predefined_metric_type="ECSServiceAverageCPUUtilization"),
        opts=opts,
    )
    requests = _target_tracking(
        f"{name}-requests",
        target,
        args,
        target_value=args.requests_per_target,
        # app/<alb>/<id>/targetgroup/<tg>/<id>: the metric is per target of this group.
        metric=Metric(
            predefined_metric_type="ALBRequestCountPerTarget", resource_label=request_count_label
        ),
        opts=opts,
    )
    return Autoscaling(target=target, policies=[cpu, requests])


def _target_tracking(
    name: str,
    target: aws.appautoscaling.Target,
    args: AutoscalingArgs,
    *,
    target_value: int,
    metric: Metric,
    opts: pulumi.ResourceOptions,
) -> aws.appautoscaling.Policy:
    return aws.appautoscaling.Policy(
        name,
        policy_type="TargetTrackingScaling",
        service_namespace=target.service_namespace,
        scalable_dimension=target.scalable_dimension,
        resource_id=target.resource_id,
        target_tracking_scaling_policy_configuration=TrackingConfig(
            target_value=target_value,
            predefined_metric_specification=metric,
            scale_in_cooldown=args.scale_in_cooldown,
            scale_out_cooldown=args.scale_out_cooldown,
        ),
        opts=opts,
    )
