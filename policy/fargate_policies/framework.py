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
from dataclasses import dataclass, field
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

from fargate_policies import resource_types as rt
from fargate_policies.awsx_defaults import hint
from fargate_policies.exemptions import (
    DEFAULT_MAX_DAYS,
    EXEMPTIBLE_KNOB,
    EXEMPTION_POLICIES,
    MAX_DAYS_KNOB,
    exemption_for,
    refusal,
)
from fargate_policies.resource_types import describe_resource
from fargate_policies.stack import stack_resources
from fargate_policies.values import as_int, describe, is_unknown, plain, plain_props

# JSON-schema types a knob may have, with the Python check for each. Config reaches the pack as a
# protobuf Struct, where every number is a float: 60.0 is the integer 60.
_KNOB_TYPES: dict[str, Callable[[Any], bool]] = {
    "integer": lambda v: as_int(v) is not None,
    "boolean": lambda v: isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
}


class PolicyConfigError(ValueError):
    """A policy's config knob has a value its schema does not allow."""


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


@dataclass(frozen=True)
class Violation:
    message: str
    urn: str | None = None  # stack policies name the offending resource; resource policies don't


@dataclass
class Findings:
    """What one rule found on one resource (or stack): violations, and checks it had to skip."""

    violations: list[Violation] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def violation(self, message: str, urn: str | None = None) -> None:
        self.violations.append(Violation(message, urn))

    def skip(self, reason: str) -> None:
        if reason not in self.skipped:
            self.skipped.append(reason)


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


def shown(value: Any) -> str:
    """A value as messages show it; 'unset' when the resource leaves it out."""
    return "unset" if value is None else describe(value)


def expect(
    findings: Findings, value: Any, ok: Callable[[Any], bool], *, unknown: str, violation: str
) -> bool:
    """Check one value: a skip reason (`unknown`) if it is not known yet, else `violation` unless
    `ok(value)`. "{shown}" in `violation` becomes the value as shown in messages. True if ok."""
    if is_unknown(value):
        findings.skip(unknown)
        return False
    if ok(value):
        return True
    findings.violation(violation.replace("{shown}", shown(value)))
    return False


def expect_true(findings: Findings, owner: Described, key: str, value: Any, why: str) -> None:
    """The common flag check: `key` of `owner` must be true; `why` ("so ...") ends the message."""
    expect(
        findings,
        value,
        lambda flag: flag is True,
        unknown=owner.not_known(key),
        violation=f"{owner.subject} must set {key} to true, not {{shown}}, {why}.",
    )


class Described:
    """Something a message can name: `owner` in words ("target group 'web-tg'")."""

    owner: str

    @property
    def subject(self) -> str:
        """The start of a violation sentence: "Target group 'web-tg'"."""
        return upper_first(self.owner)

    def not_known(self, key: str) -> str:
        """The skip reason for one of its fields that is unknown during preview."""
        return not_known(f"{key} of {self.owner}")


@dataclass(frozen=True)
class Subject(Described):
    """The resource a resource rule checks: plain props, and the policy's knobs."""

    resource_type: str
    name: str
    props: dict[str, Any]
    knobs: dict[str, Any]
    parent: str | None = None  # the parent's URN: names the awsx component that made it

    @property
    def owner(self) -> str:  # type: ignore[override]
        return describe_resource(self.resource_type, self.name, self.parent)


ResourceCheck = Callable[[Subject, Findings], None]
StackCheck = Callable[[list, dict, Findings], None]


def not_known(what: str) -> str:
    """The skip reason for a value that is unknown during preview."""
    return f"{what} is not known until the update runs"


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


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
    """Decorates a check into a resource policy on `resource_types`; its docstring describes it."""
    knobs = with_exemption_knobs(name, knobs)

    def build(check: ResourceCheck) -> ResourceValidationPolicy:
        def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
            if args.resource_type not in resource_types:
                return
            if rt.without_inputs(args.resource_type, args.props):
                return  # its children are analyzed, and their findings name it
            props, config = plain_props(args.props), read_knobs(name, knobs, args.get_config())
            findings = Findings()
            parent = getattr(args.opts, "parent", None) if args.opts is not None else None
            check(Subject(args.resource_type, args.name, props, config, parent), findings)
            _add_hints(name, findings, lambda _urn: parent)
            report(name, findings, report_violation, lambda _urn: props.get("tags"), config)

        doc = PolicyDoc(name, _description(check), level, knobs, resource_types, check)
        return _declare(ResourceValidationPolicy, doc, validate)

    return build


def stack_policy(
    level: EnforcementLevel, name: str, knobs: Mapping[str, Knob] | None = None
) -> Callable[[StackCheck], StackValidationPolicy]:
    """Decorates `check(resources, knobs, findings)`, which sees the whole stack, into a policy."""
    knobs = with_exemption_knobs(name, knobs)

    def build(check: StackCheck) -> StackValidationPolicy:
        def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            findings = Findings()
            resources = stack_resources(args.resources)
            config = read_knobs(name, knobs, args.get_config())
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

        doc = PolicyDoc(name, _description(check), level, knobs, (), check)
        return _declare(StackValidationPolicy, doc, validate)

    return build


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
    """The SDK policy object for `doc`, recorded in DOCS for the README and config checks."""
    DOCS[doc.name] = doc
    return kind(
        name=doc.name,
        description=doc.description,
        validate=validate,
        enforcement_level=doc.enforcement_level,
        config_schema=_config_schema(doc.knobs),
    )
