"""How every rule in the pack is declared, configured and reported.

A rule is a small function `check(subject, findings)` that never raises and never reads the
SDK's proxies: the policy built here gives it plain props (see `values.plain`) and its config
knobs with their defaults applied, then reports what it found.

What happens to values a rule cannot check, decided once for the whole pack:

- **Unknown values (preview).** The rule checks every value that is known and records a skip
  reason for each one that is not ("user of container 'app' in task definition 'web' is not known
  until the update runs"). After all violations are reported, the policy raises one
  `SkippedChecksError`, a subclass of the SDK's `UnknownValueError`, whose message lists those
  reasons. The SDK turns exactly that exception into an *advisory* diagnostic, whatever the
  policy's own level, so a preview is never blocked by a value it cannot see and never passes
  it silently.
  `pulumi up` analyzes each resource again with its inputs resolved, and enforces the rule then.
- **Malformed input** (a containerDefinitions string that is not JSON, a field of the wrong
  type): a violation that names the resource, the field, the bad value and what ECS accepts. The
  structure of container definitions is the job of one policy (`ecs-task-definition-readable`);
  other rules record a skip reason for the part they cannot read, so one mistake is one
  violation, not ten.

Nothing else may escape a rule: property-based fuzzing in tests/policy holds them to it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from fargate_policies.findings import (
    Described,
    Findings,
    Subject,
    Violation,
    expect,
    expect_true,
    not_known,
    shown,
    upper_first,
)
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.awsx_defaults import hint
from fargate_policies.readers.containers import Container, Task, skip_unreadable, task_of
from fargate_policies.readers.exemptions import (
    DEFAULT_MAX_DAYS,
    EXEMPTIBLE_KNOB,
    EXEMPTION_POLICIES,
    MAX_DAYS_KNOB,
    exemption_for,
    refusal,
)
from fargate_policies.readers.services import Service, service_of
from fargate_policies.readers.stack import StackResource, stack_resources
from fargate_policies.readers.values import answers, as_int, describe, plain, plain_props

# What a rule module takes from here: the four ways to declare a policy, knobs, and the words
# findings are written in (findings.py, re-exported so rules import the framework and readers only).
__all__ = [
    "DOCS",
    "Described",
    "DuplicatePolicyError",
    "Findings",
    "Knob",
    "PolicyConfigError",
    "PolicyDoc",
    "SkippedChecksError",
    "Subject",
    "container_policy",
    "expect",
    "expect_true",
    "not_known",
    "read_knobs",
    "resource_policy",
    "service_policy",
    "shown",
    "stack_policy",
    "upper_first",
]

# JSON-schema types a knob may have, with the Python check for each. Config reaches the pack as a
# protobuf Struct, where every number is a float: 60.0 is the integer 60.
_KNOB_TYPES: dict[str, Callable[[Any], bool]] = {
    "integer": lambda v: as_int(v) is not None,
    "boolean": lambda v: isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
}


class PolicyConfigError(ValueError):
    """A policy's config knob has a value its schema does not allow."""


class DuplicatePolicyError(ValueError):
    """Two declarations use one policy name: the pack could report only one of them."""


@dataclass(frozen=True)
class Knob:
    """One config property of a policy: its JSON-schema type, default and meaning.

    `items` is the element type of an "array" knob. The CLI fills in defaults from the schema;
    `read_knobs` does too, so rules behave the same when called directly (tests, other tools).
    """

    type: str
    default: Any
    description: str
    items: str | None = None
    minimum: int | None = None

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": self.type,
            "default": self.default,
            "description": self.description,
        }
        if self.items:
            schema["items"] = {"type": self.items}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        return schema

    def coerce(self, value: Any) -> Any:
        """`value` with integral floats made ints where the knob holds integers."""
        if self.type == "integer":
            return as_int(value)
        if self.type == "array" and self.items == "integer":
            return [as_int(item) for item in value]
        return value

    def problem(self, value: object) -> str | None:
        """Why `value` does not fit this knob, or None if it does."""
        if self.type == "array":
            fits_item = _KNOB_TYPES[self.items or "string"]
            if isinstance(value, list) and all(fits_item(item) for item in value):
                return None
            return f"must be an array of {self.items or 'string'} values, not {describe(value)}"
        if not _KNOB_TYPES[self.type](value):
            article = "an" if self.type[0] in "aeiou" else "a"
            return f"must be {article} {self.type}, not {describe(value)}"
        if self.minimum is not None and self.coerce(value) < self.minimum:
            return f"must be at least {self.minimum}, not {describe(value)}"
        return None


# Knobs every policy but the two exemption policies takes. The limits of an exemption live with
# the policy it excuses because a policy cannot read another's config; `report` applies them.
EXEMPTION_KNOBS: dict[str, Knob] = {
    EXEMPTIBLE_KNOB: Knob(
        "boolean", True, "Whether a policy-exemption tag may excuse this policy's violations."
    ),
    MAX_DAYS_KNOB: Knob(
        "integer",
        DEFAULT_MAX_DAYS,
        "Longest an exemption from this policy may run, in days from today.",
        minimum=1,
    ),
}


def with_exemption_knobs(name: str, knobs: Mapping[str, Knob] | None) -> dict[str, Knob]:
    """A policy's own knobs plus the exemption limits (none for the exemption policies)."""
    own = dict(knobs or {})
    return own if name in EXEMPTION_POLICIES else {**own, **EXEMPTION_KNOBS}


def read_knobs(policy_name: str, knobs: Mapping[str, Knob], config: Mapping[str, Any]) -> dict:
    """The policy's knobs: defaults, overridden by config; a bad value is a PolicyConfigError."""
    values = {key: knob.default for key, knob in knobs.items()}
    for key, value in plain(dict(config)).items():
        knob = knobs.get(key)
        if knob is None:
            continue  # enforcementLevel and keys of future versions are not ours to judge
        problem = knob.problem(value)
        if problem:
            raise PolicyConfigError(f"policy '{policy_name}' config '{key}' {problem}")
        values[key] = knob.coerce(value)
    return values


# The SDK's analyzer hands every call a fresh copy of the policy's config (pulumi-policy 1.21.0,
# policy.py `_get_policy_config`: `config.copy()`), the same one for every resource of a run; a
# policy reads its knobs once per distinct config instead of once per resource. At most this
# many configs are remembered per policy.
_KNOB_CONFIGS_KEPT = 64


def _config_key(config: Mapping[str, Any]) -> tuple | None:
    """A key as strict as read_knobs about `config`: each value with its type (the boolean True
    is valid where the number 1 is not, though they are equal), lists as tuples; None if a value
    cannot be a key (nested objects: such configs are read every time)."""
    frozen = tuple(
        (key, type(value), tuple((type(item), item) for item in value))
        if type(value) is list
        else (key, type(value), value)
        for key, value in config.items()
    )
    try:
        hash(frozen)
    except TypeError:
        return None
    return frozen


def _knob_reader(policy_name: str, knobs: Mapping[str, Knob]) -> Callable[[Mapping], dict]:
    """read_knobs for one policy, remembering the knobs of each config it has read; a config
    with a bad value raises every time it is read."""
    remembered = answers()

    def read(config: Mapping[str, Any]) -> dict:
        key = _config_key(config)
        if key is None:
            return read_knobs(policy_name, knobs, config)
        values = remembered.get(key)
        if values is None:
            if len(remembered) >= _KNOB_CONFIGS_KEPT:
                remembered.clear()
            values = remembered[key] = read_knobs(policy_name, knobs, config)
        return dict(values)  # a rule gets its own dict, as from read_knobs

    return read


class SkippedChecksError(UnknownValueError):
    """Raised after reporting, when some checks could not run; the SDK reports it as advisory."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.reasons = list(reasons)
        self.message = "skipped checks: " + "; ".join(self.reasons)

    def __str__(self) -> str:
        return self.message


def report(
    policy: str,
    findings: Findings,
    report_violation: ReportViolation,
    tags_of: Callable[[str | None], Any],
    knobs: Mapping[str, Any],
) -> None:
    """Report every violation, then surface skipped checks through the SDK's advisory path.

    This is the one place a finding leaves the pack, and the one place exemptions apply. A
    violation on a resource whose tags exempt it from `policy` is left out if the exemption holds
    under this policy's own limits (`knobs`: exemptible, maxExemptionDays), whatever level
    policy-exemption-valid runs at; policy-exemption-active re-reports it as an advisory note.
    An exemption that does not hold excuses nothing, and the violation says why.
    `tags_of(urn)` gives the tags of the resource a violation names.
    """
    for violation in findings.violations:
        message = violation.message
        exemption = (
            exemption_for(tags_of(violation.urn), policy)
            if policy not in EXEMPTION_POLICIES
            else None
        )
        if exemption is not None:
            refused = refusal(exemption, dict(knobs))
            if refused is None:
                continue
            message += f" Tag '{exemption.tag}' excuses nothing: {refused.clause}."
        report_violation(message, violation.urn)
    if findings.skipped:
        raise SkippedChecksError(findings.skipped)


ResourceCheck = Callable[[Subject, Findings], None]
ContainerCheck = Callable[[Container, Task, dict[str, Any], Findings], None]
ServiceCheck = Callable[[Service, dict[str, Any], Findings], None]
StackCheck = Callable[[list[StackResource], dict[str, Any], Findings], None]


def _config_schema(knobs: Mapping[str, Knob]) -> PolicyConfigSchema | None:
    if not knobs:
        return None
    return PolicyConfigSchema(properties={key: knob.schema() for key, knob in knobs.items()})


@dataclass(frozen=True)
class PolicyDoc:
    """What the pack says about a policy beyond the SDK object (the README and the config-file
    check read it)."""

    name: str
    description: str
    enforcement_level: EnforcementLevel
    knobs: Mapping[str, Knob]
    resource_types: tuple[str, ...]  # empty for stack policies
    check: Callable[..., None]  # the rule itself, for re-evaluating an exempted resource
    where: str  # the file and line of the declaration, named when a second one takes the name

    def defaults(self) -> dict[str, Any]:
        return {key: knob.default for key, knob in self.knobs.items()}

    @property
    def own_knobs(self) -> dict[str, Knob]:
        """The knobs of this policy's rule, without the exemption limits every policy takes."""
        return {key: knob for key, knob in self.knobs.items() if key not in EXEMPTION_KNOBS}


# The knobs and documentation of every policy built here, by name (filled as modules import).
DOCS: dict[str, PolicyDoc] = {}


def _description(check: Callable[..., Any]) -> str:
    """A policy's description is its check's docstring ("Checks whether ..."), on one line."""
    return " ".join((inspect.getdoc(check) or "").split())


def resource_policy(
    level: EnforcementLevel,
    name: str,
    resource_types: tuple[str, ...],
    knobs: Mapping[str, Knob] | None = None,
) -> Callable[[ResourceCheck], ResourceValidationPolicy]:
    """Decorates `check(subject, findings)` into a policy on each resource of `resource_types`;
    the check's docstring ("Checks whether ...") describes the policy."""

    def build(check: ResourceCheck) -> ResourceValidationPolicy:
        return _resource_policy(level, name, resource_types, knobs, check=check, declared=check)

    return build


def container_policy(
    level: EnforcementLevel, name: str, knobs: Mapping[str, Knob] | None = None
) -> Callable[[ContainerCheck], ResourceValidationPolicy]:
    """Decorates `check(container, task, knobs, findings)` into a policy on every resource that
    has containers: it runs on each readable container, after recording what could not be read."""

    def build(check: ContainerCheck) -> ResourceValidationPolicy:
        def run(subject: Subject, findings: Findings) -> None:
            task = task_of(subject)
            if task is None:
                return
            skip_unreadable(task, findings)
            for container in task.containers:
                check(container, task, subject.knobs, findings)

        return _resource_policy(level, name, rt.TASK_BEARERS, knobs, check=run, declared=check)

    return build


def service_policy(
    level: EnforcementLevel, name: str, knobs: Mapping[str, Knob] | None = None
) -> Callable[[ServiceCheck], ResourceValidationPolicy]:
    """Decorates `check(service, knobs, findings)` into a policy on each ECS service (either
    shape: `aws:ecs/service:Service` or `awsx:ecs:FargateService`)."""

    def build(check: ServiceCheck) -> ResourceValidationPolicy:
        def run(subject: Subject, findings: Findings) -> None:
            service = service_of(subject)
            if service is not None:
                check(service, subject.knobs, findings)

        return _resource_policy(level, name, rt.SERVICES, knobs, check=run, declared=check)

    return build


def stack_policy(
    level: EnforcementLevel, name: str, knobs: Mapping[str, Knob] | None = None
) -> Callable[[StackCheck], StackValidationPolicy]:
    """Decorates `check(resources, knobs, findings)`, which sees the whole stack, into a policy."""
    knobs = with_exemption_knobs(name, knobs)
    knobs_of = _knob_reader(name, knobs)

    def build(check: StackCheck) -> StackValidationPolicy:
        def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            findings = Findings()
            resources = stack_resources(args.resources)
            config = knobs_of(args.get_config())
            check(resources, config, findings)
            by_urn: dict[str, Any] = {}  # indexed on the first violation, if there is one

            def resource_at(urn: str | None) -> Any:
                # Read only for the resources a violation names, not the whole stack.
                if not by_urn:
                    by_urn.update((resource.urn, resource) for resource in resources)
                return by_urn.get(urn) if urn is not None else None

            def tags_of(urn: str | None) -> Any:
                resource = resource_at(urn)
                return resource.props.get("tags") if resource is not None else None

            if findings.violations:
                _add_hints(name, findings, lambda urn: getattr(resource_at(urn), "parent", None))
            report(name, findings, report_violation, tags_of, config)

        doc = PolicyDoc(name, _description(check), level, knobs, (), check, _where(check))
        return _declare(StackValidationPolicy, doc, validate)

    return build


def _resource_policy(
    level: EnforcementLevel,
    name: str,
    resource_types: tuple[str, ...],
    knobs: Mapping[str, Knob] | None,
    *,
    check: ResourceCheck,
    declared: Callable[..., None],
) -> ResourceValidationPolicy:
    """The policy running `check` on each resource of `resource_types`; `declared` is the
    function the rule module decorated (its docstring and place describe the policy)."""
    knobs = with_exemption_knobs(name, knobs)
    knobs_of = _knob_reader(name, knobs)

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in resource_types:
            return
        if rt.without_inputs(args.resource_type, args.props):
            return  # its children are analyzed, and their findings name it
        props, config = plain_props(args.props), knobs_of(args.get_config())
        findings = Findings()
        parent = getattr(args.opts, "parent", None) if args.opts is not None else None
        check(Subject(args.resource_type, args.name, props, config, parent), findings)
        _add_hints(name, findings, lambda _urn: parent)
        report(name, findings, report_violation, lambda _urn: props.get("tags"), config)

    description = _description(declared)
    doc = PolicyDoc(name, description, level, knobs, resource_types, check, _where(declared))
    return _declare(ResourceValidationPolicy, doc, validate)


def _where(check: Callable[..., Any]) -> str:
    """Where a policy is declared, as `path:line` (the decorated function's first line)."""
    source = inspect.getsourcefile(check) or check.__module__
    return f"{Path(source)}:{check.__code__.co_firstlineno}"


def _add_hints(
    policy: str, findings: Findings, parent_of: Callable[[str | None], str | None]
) -> None:
    """Ends each violation on a resource an awsx component created with what awsx did there and
    where to set it (awsx_defaults.py); `parent_of(urn)` is the parent URN of the resource a
    violation names (resource policies: the resource checked)."""
    findings.violations = [
        Violation(v.message + hint(policy, rt.awsx_component(parent_of(v.urn))), v.urn)
        for v in findings.violations
    ]


def _declare(kind: type, doc: PolicyDoc, validate: Callable[..., None]) -> Any:
    """The SDK policy object for `doc`, recorded in DOCS for the README and config checks.
    A second declaration of a name already taken raises at import, naming both places."""
    taken = DOCS.get(doc.name)
    if taken is not None:
        raise DuplicatePolicyError(
            f"policy '{doc.name}' is declared twice: at {taken.where} and at {doc.where}; "
            "give one of them another name"
        )
    DOCS[doc.name] = doc
    return kind(
        name=doc.name,
        description=doc.description,
        validate=validate,
        enforcement_level=doc.enforcement_level,
        config_schema=_config_schema(doc.knobs),
    )
