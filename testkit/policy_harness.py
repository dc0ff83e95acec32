"""Run the pack's policies the way the policy SDK's analyzer does, without its gRPC server.

`validate` is called with the SDK's own argument objects (`ResourceValidationArgs`,
`StackValidationArgs`, `PolicyResource`), props wrapped in the SDK's unknown-checking proxy as
the analyzer wraps them, and a report callback that records violations. An `UnknownValueError`
(the pack's skipped checks) becomes an advisory note, exactly as the SDK's analyzer turns it into
an advisory diagnostic; any other exception propagates and fails the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime.mocks import MockResourceArgs
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from fargate_policies.catalog import ALL_POLICIES
from testkit.program_capture import CapturedStack, _FakeAws

POLICIES = {policy.name: policy for policy in ALL_POLICIES}


@dataclass(frozen=True)
class Resource:
    """A resource as the analyzer sees it: inputs for resource policies, outputs for stacks."""

    type: str
    name: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any] | None = None  # None: the same as the inputs
    parent: str | None = None  # the parent's URN
    urn: str = ""  # derived from type and name unless given

    def __post_init__(self) -> None:
        if not self.urn:
            object.__setattr__(self, "urn", f"urn:pulumi:test::project::{self.type}::{self.name}")


@dataclass
class Outcome:
    """What one policy reported: violation messages (with URNs) and the advisory skip note."""

    violations: list[str] = field(default_factory=list)
    urns: list[str | None] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _options(parent: str | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=parent,
    )


def _run(policy: Any, args: Any, outcome: Outcome) -> None:
    def report(message: str, urn: str | None = None) -> None:
        assert isinstance(message, str) and message, "a violation needs a message"
        outcome.violations.append(message)
        outcome.urns.append(urn)

    try:
        policy.validate(args, report)
    except UnknownValueError as skipped:  # the SDK reports this as an advisory diagnostic
        outcome.skipped.append(skipped.message)


def check_resource(
    policy_name: str, resource: Resource, config: Mapping[str, Any] | None = None
) -> Outcome:
    """Run one resource policy on one resource."""
    policy = POLICIES[policy_name]
    assert isinstance(policy, ResourceValidationPolicy)
    outcome = Outcome()
    _run(policy, resource_args(resource, config), outcome)
    _record("resource", policy_name, [resource], config, outcome)
    return outcome


def resource_args(
    resource: Resource, config: Mapping[str, Any] | None = None
) -> ResourceValidationArgs:
    """What the SDK hands a resource policy: its props in an unknown-checking proxy, options."""
    return ResourceValidationArgs(
        resource.type,
        unknown_checking_proxy(dict(resource.inputs)),
        resource.urn,
        resource.name,
        _options(resource.parent),
        None,
        dict(config or {}),
    )


def stack_args(
    resources: Iterable[Resource], config: Mapping[str, Any] | None = None
) -> StackValidationArgs:
    """What the SDK hands a stack policy: every resource as a PolicyResource, the config."""
    return StackValidationArgs(policy_resources(list(resources)), dict(config or {}))


def policy_resources(resources: Iterable[Resource]) -> list[PolicyResource]:
    """The SDK's stack view of `resources` (outputs, proxied), with parents linked."""
    built = {
        resource.urn: PolicyResource(
            resource.type,
            unknown_checking_proxy(dict(resource.outputs or resource.inputs)),
            resource.urn,
            resource.name,
            _options(resource.parent),
            None,
            None,
            [],
            {},
        )
        for resource in resources
    }
    for resource in resources:
        if resource.parent in built:
            built[resource.urn].parent = built[resource.parent]
    return list(built.values())


def check_stack(
    policy_name: str, resources: Iterable[Resource], config: Mapping[str, Any] | None = None
) -> Outcome:
    policy = POLICIES[policy_name]
    assert isinstance(policy, StackValidationPolicy)
    outcome = Outcome()
    resources = list(resources)
    _run(policy, stack_args(resources, config), outcome)
    _record("stack", policy_name, resources, config, outcome)
    return outcome


# Called with every policy run below as observer(kind, policy_name, resources, config=...,
# outcome=...): kind "resource" or "stack", the resources as a list, the config knobs or None.
# None in a normal test run; `python -m tests.behaviour capture` adds the recorder of the
# behaviour corpus (tests/behaviour/record_plugin.py).
Observer = Callable[..., None]
_observers: list[Observer] = []


def observe(observer: Observer) -> None:
    """Pass every later policy run to `observer` too."""
    _observers.append(observer)


@contextmanager
def unobserved() -> Iterator[None]:
    """Policy runs in this block reach no observer (a replay of the corpus records nothing)."""
    saved = _observers[:]
    _observers.clear()
    try:
        yield
    finally:
        _observers[:] = saved


def _record(
    kind: str,
    policy_name: str,
    resources: list[Resource],
    config: Mapping[str, Any] | None,
    outcome: Outcome,
) -> None:
    for observer in _observers:
        observer(kind, policy_name, resources, config=config, outcome=outcome)


def pack_settings(document: Mapping[str, Any] | None) -> dict[str, tuple[str | None, dict]]:
    """A pack config document (policy/config/*.json) as {policy: (level or None, knobs)}."""
    document = document or {}
    everyone = document.get("all") if isinstance(document.get("all"), str) else None
    settings: dict[str, tuple[str | None, dict]] = {}
    for name in POLICIES:
        value = document.get(name)
        if isinstance(value, str):
            settings[name] = (value, {})
        elif isinstance(value, dict):
            knobs = {k: v for k, v in value.items() if k != "enforcementLevel"}
            settings[name] = (value.get("enforcementLevel", everyone), knobs)
        else:
            settings[name] = (everyone, {})
    return settings


def check_all(
    resources: list[Resource], document: Mapping[str, Any] | None = None
) -> dict[str, Outcome]:
    """Every enabled policy of the pack on every resource (and the stack), keyed by policy
    name, with the levels and knobs of a pack config document as the CLI would apply them."""
    results: dict[str, Outcome] = {}
    for name, (level, knobs) in pack_settings(document).items():
        if level == "disabled":
            continue
        if isinstance(POLICIES[name], StackValidationPolicy):
            results[name] = check_stack(name, resources, knobs)
            continue
        total = Outcome()
        for resource in resources:
            one = check_resource(name, resource, knobs)
            total.violations += one.violations
            total.urns += one.urns
            total.skipped += one.skipped
        results[name] = total
    return results


def violations_by_policy(results: Mapping[str, Outcome]) -> dict[str, list[str]]:
    return {name: outcome.violations for name, outcome in results.items() if outcome.violations}


def from_capture(captured: CapturedStack) -> list[Resource]:
    """The program's resources as the analyzer would see them.

    Stack policies read outputs, which in a real deployment include each resource's "id"; the
    capture keeps the mock's ID out of `outputs`, so it is asked of the same mock again. A
    remote component (awsx) registers no children under mocks; in a deployment its children
    show what its inputs say (an image's build platform, say), so its inputs stand in for them.
    """
    fake = _FakeAws(captured.config.get("aws:region") or "eu-west-1")
    resources = []
    for resource in captured.resources:
        outputs = dict(resource.outputs)
        if resource.remote:
            outputs = {**resource.inputs, **outputs}
        if resource.custom:
            resource_id, _ = fake.new_resource(
                MockResourceArgs(
                    resource.type, resource.name, dict(resource.inputs), custom=resource.custom
                )
            )
            outputs["id"] = resource_id
        resources.append(
            Resource(
                resource.type,
                resource.name,
                resource.inputs,
                outputs,
                resource.parent_urn,
                resource.urn,
            )
        )
    return resources
