"""A failed rollout fails `pulumi up`.

With `wait_for_steady_state` the provider waits for the service to be stable, but a deployment
the circuit breaker (or a deployment alarm) rolled back also ends stable, and the provider
reports success (hashicorp/terraform-provider-aws#20858). After the wait the provider reads the
service back (terraform-provider-aws service.go: resourceServiceUpdate waits in
waitServiceStable, then resourceServiceRead sets task_definition from DescribeServices), so the
service's `task_definition` output is what ECS runs now. If that is not the task definition this
update registered, the update rolled back: fail it, naming the revision ECS went back to
(aws-actions/amazon-ecs-deploy-task-definition#860 makes the same comparison).
"""

from __future__ import annotations

import pulumi


def revision_of(task_definition: str) -> str:
    """`family:revision` of a task definition ARN (or of `family:revision` itself)."""
    return task_definition.rsplit("/", 1)[-1]


def rollback_message(service: str, running: str, registered: str) -> str:
    back_to, ours = revision_of(running), revision_of(registered)
    return (
        f"the ECS service '{service}' runs task definition {back_to}, not {ours} that this "
        f"update registered: the deployment failed and ECS rolled it back to "
        f"{back_to} (deployment circuit breaker or a deployment alarm). The stack's other "
        "changes are in place; see the service's events (`aws ecs describe-services`) and the "
        "stopped tasks' reasons, fix the cause and run `pulumi up` again."
    )


def verified_rollout(
    service_name: pulumi.Input[str],
    running: pulumi.Input[str],
    registered: pulumi.Input[str],
) -> pulumi.Output[str]:
    """`running`, once it is known to be `registered`; a RunError (no traceback) otherwise.
    A preview only plans, so it checks nothing."""

    def check(values: list[str]) -> str:
        name, now, ours = values
        if pulumi.runtime.is_dry_run() or now == ours:
            return now
        raise pulumi.RunError(rollback_message(name, now, ours))

    return pulumi.Output.all(service_name, running, registered).apply(check)
