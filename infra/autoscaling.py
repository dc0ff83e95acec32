"""Target-tracking autoscaling of the service's task count: on CPU and on ALB requests per task.

As in CDK (`service.autoScaleTaskCount(...)` then `scaleOnCpuUtilization(...)`):
`FargateService.autoscale(min_capacity, max_capacity)` registers the scalable target as a child
of the service component, where a reader looks for it, and the returned `ScalableTaskCount`
adds the target-tracking policies beside it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
class Cooldowns:
    """Seconds between scaling steps; each default is the setting's (infra.settings)."""

    scale_in: int = _DEFAULTS.scale_in_cooldown
    """Between scale-in steps (config scaleInCooldown). @default 300."""
    scale_out: int = _DEFAULTS.scale_out_cooldown
    """Between scale-out steps (config scaleOutCooldown). @default 60."""


@dataclass
class ScalableTaskCount:
    """The service's scalable task count; each `scale_on_*` adds one target-tracking policy."""

    name: str
    target: aws.appautoscaling.Target
    request_count_label: pulumi.Input[str]
    """app/<alb>/<id>/targetgroup/<tg>/<id>: the ALB metric is per target of this group."""
    opts: pulumi.ResourceOptions
    policies: list[aws.appautoscaling.Policy] = field(default_factory=list)

    def scale_on_cpu(self, target_percent: int, cooldowns: Cooldowns) -> aws.appautoscaling.Policy:
        """Hold the average CPU at `target_percent` (config cpuTargetPercent, @default 60):
        catches expensive requests."""
        metric = Metric(predefined_metric_type="ECSServiceAverageCPUUtilization")
        return self._track("cpu", target_percent, metric, cooldowns)

    def scale_on_requests(self, per_target: int, cooldowns: Cooldowns) -> aws.appautoscaling.Policy:
        """Hold the ALB requests per task per minute at `per_target` (config requestsPerTarget,
        @default 1000): catches a burst before CPU shows it."""
        metric = Metric(
            predefined_metric_type="ALBRequestCountPerTarget",
            resource_label=self.request_count_label,
        )
        return self._track("requests", per_target, metric, cooldowns)

    def _track(
        self, suffix: str, target_value: int, metric: Metric, cooldowns: Cooldowns
    ) -> aws.appautoscaling.Policy:
        policy = aws.appautoscaling.Policy(
            f"{self.name}-{suffix}",
            policy_type="TargetTrackingScaling",
            service_namespace=self.target.service_namespace,
            scalable_dimension=self.target.scalable_dimension,
            resource_id=self.target.resource_id,
            target_tracking_scaling_policy_configuration=TrackingConfig(
                target_value=target_value,
                predefined_metric_specification=metric,
                scale_in_cooldown=cooldowns.scale_in,
                scale_out_cooldown=cooldowns.scale_out,
            ),
            opts=self.opts,
        )
        self.policies.append(policy)
        return policy


def scalable_task_count(
    name: str,
    *,
    min_capacity: int,
    max_capacity: int,
    resource_id: pulumi.Input[str],
    request_count_label: pulumi.Input[str],
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> ScalableTaskCount:
    """The scalable target of `resource_id` (service/<cluster>/<service>), no policy yet."""
    target = aws.appautoscaling.Target(
        name,
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=resource_id,
        min_capacity=min_capacity,
        max_capacity=max_capacity,
        tags=dict(tags),
        opts=opts,
    )
    return ScalableTaskCount(name, target, request_count_label, opts)
