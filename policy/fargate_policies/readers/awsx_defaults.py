"""Where to fix a finding on a resource an awsx component created, and what awsx decided there.

awsx 3.11.0 builds its children from the component's inputs plus its own defaults (pulumi-awsx
awsx/lb/applicationLoadBalancer.ts, awsx/ecs/fargateService.ts, awsx/ecr/repository.ts): the
fix for a finding on the child goes on the component the program wrote. One sentence per
(policy, component type), appended to the child's violation (framework.resource_policy); the
task-size case, where awsx computes a value, is worded by rules/ecs_fargate_task_size.py itself.
"""

from __future__ import annotations

_ALB = "awsx:lb:ApplicationLoadBalancer"
_SERVICE = "awsx:ecs:FargateService"
_TASK = "awsx:ecs:FargateTaskDefinition"
_TRUST = (
    "awsx creates the role with a trust policy for ecs-tasks.amazonaws.com and no condition "
    "(awsx/role.ts defaultRoleAssumeRolePolicy): give {component} taskRole.args.assumeRolePolicy "
    "(or executionRole.args) with the condition, or the roleArn of a role that has it."
)
_REPOSITORY = "awsx:ecr:Repository"
_PASSED_THROUGH = "awsx passes it through from the component's inputs and sets no default"

HINTS: dict[tuple[str, str], str] = {
    ("alb-target-group-health-check", _ALB): (
        "awsx creates its default target group with only the port, protocol and targetType it "
        "derives: set defaultTargetGroup.healthCheck on {component}."
    ),
    ("alb-http-redirects-to-https", _ALB): (
        "awsx gives each listener a forward to its default target group unless the listener "
        "sets defaultActions: list listeners on {component}, port 80 redirecting and port 443 "
        "on HTTPS."
    ),
    ("alb-drop-invalid-headers", _ALB): (
        f"{_PASSED_THROUGH}: set dropInvalidHeaderFields on {{component}}."
    ),
    ("ecr-repository-scan-on-push", _REPOSITORY): (
        f"{_PASSED_THROUGH}: set imageScanningConfiguration on {{component}}."
    ),
    ("ecr-repository-immutable-tags", _REPOSITORY): (
        f"{_PASSED_THROUGH}: set imageTagMutability on {{component}}."
    ),
    ("ecs-service-circuit-breaker", _SERVICE): (
        f"{_PASSED_THROUGH}: set deploymentCircuitBreaker on {{component}}."
    ),
    ("ecs-service-health-check-grace-period", _SERVICE): (
        f"{_PASSED_THROUGH}: set healthCheckGracePeriodSeconds on {{component}}."
    ),
    ("ecs-tasks-trust-source-condition", _SERVICE): _TRUST,
    ("ecs-tasks-trust-source-condition", _TASK): _TRUST,
    ("alb-access-logs", _ALB): f"{_PASSED_THROUGH}: set accessLogs on {{component}}.",
    ("ecs-service-no-public-ip", _SERVICE): (
        "without networkConfiguration awsx runs the tasks in the default VPC, whose subnets are "
        "all public: give {component} a networkConfiguration with private subnets."
    ),
}


def hint(policy: str, component: str | None) -> str:
    """The sentence for `policy` on a child of `component` ("awsx:lb:... 'web'"), or ""."""
    if component is None:
        return ""
    template = HINTS.get((policy, component.split(" ", 1)[0]))
    return " " + template.format(component=component) if template else ""
