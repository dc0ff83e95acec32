"""The logical names the program gives the resources whose AWS names carry the service name.
Components name their children from here, and config validation counts the same suffixes
(plus autonaming's) against AWS's name rules before anything is registered."""

from __future__ import annotations

from fargate_spec import aws_names

ALB = "alb"
ALB_SECURITY_GROUP = "alb-sg"
TARGET_GROUP = "tg"
TASK_SECURITY_GROUP = "task-sg"

# (child suffix, the AWS rule its autonamed physical name must meet)
NAMED_BY_AWS_RULES: tuple[tuple[str, aws_names.NameRule], ...] = (
    (ALB, aws_names.LOAD_BALANCER),
    (TARGET_GROUP, aws_names.TARGET_GROUP),
    (ALB_SECURITY_GROUP, aws_names.SECURITY_GROUP),
    (TASK_SECURITY_GROUP, aws_names.SECURITY_GROUP),
)


def child(service_name: str, suffix: str) -> str:
    """A component child's logical name: `<service>-<suffix>`."""
    return f"{service_name}-{suffix}"


def aws_name_problems(service_name: str) -> list[str]:
    """Why AWS would refuse a name the program derives from `service_name`, one line per name."""
    found = []
    for suffix, rule in NAMED_BY_AWS_RULES:
        physical = aws_names.autoname(child(service_name, suffix))
        reasons = rule.problems(physical)
        if reasons:
            found.append(f"its {rule.kind} name '{physical}' {' and '.join(reasons)}")
    return found


def longest_service_name() -> int:
    """The longest service name whose derived names all fit AWS's length limits."""
    return min(
        rule.max_length - len(aws_names.autoname(child("", suffix)))
        for suffix, rule in NAMED_BY_AWS_RULES
    )
