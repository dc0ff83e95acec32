"""Target-tracking autoscaling of the service's task count: on CPU and on ALB requests per task.
The resources are children of the service component, where a reader looks for them."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from pulumi_aws.appautoscaling import (
    PolicyTargetTrackingScalingPolicyConfigurationArgs as TrackingConfig,
)
from pulumi_aws.appautoscaling import (
    PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs as Metric,
)

from infra.load_balancer import LoadBalancer
from infra.service import FargateService
from infra.settings import Settings


@dataclass(frozen=True)
class Autoscaling:
    target: aws.appautoscaling.Target
    policies: list[aws.appautoscaling.Policy]


def scale_service(
    settings: Settings, service: FargateService, load_balancer: LoadBalancer
) -> Autoscaling | None:
    """None when minCount equals maxCount: a fixed count needs no scaler."""
    if not settings.autoscaling:
        return None
    name = f"{settings.service_name}-scaling"
    opts = pulumi.ResourceOptions(parent=service)
    target = aws.appautoscaling.Target(
        name,
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.concat(
            "service/", service.cluster.name, "/", service.service.name
        ),
        min_capacity=settings.min_count,
        max_capacity=settings.max_count,
        tags=settings.tags,
        opts=opts,
    )
    # CPU catches expensive requests; request count catches a burst before CPU shows it.
    cpu = _target_tracking(
        f"{name}-cpu",
        target,
        settings,
        target_value=settings.cpu_target_percent,
        metric=Metric(predefined_metric_type="ECSServiceAverageCPUUtilization"),
        opts=opts,
    )
    requests = _target_tracking(
        f"{name}-requests",
        target,
        settings,
        target_value=settings.requests_per_target,
        metric=Metric(
            predefined_metric_type="ALBRequestCountPerTarget",
            # app/<alb>/<id>/targetgroup/<tg>/<id>: the metric is per target of this group.
            resource_label=pulumi.Output.concat(
                load_balancer.alb.arn_suffix, "/", load_balancer.target_group.arn_suffix
            ),
        ),
        opts=opts,
    )
    return Autoscaling(target=target, policies=[cpu, requests])


def _target_tracking(
    name: str,
    target: aws.appautoscaling.Target,
    settings: Settings,
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
            scale_in_cooldown=settings.scale_in_cooldown,
            scale_out_cooldown=settings.scale_out_cooldown,
        ),
        opts=opts,
    )
