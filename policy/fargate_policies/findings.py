"""What a rule finds, and the words it names things with: shared by the readers and the framework.

A rule reports into `Findings` (violations, and the checks it had to skip because a value is not
known until the update runs); readers record what they cannot read into the same object. Rules
import these names through `fargate_policies.framework`; readers import them from here, so no
reader depends on how policies are declared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fargate_policies.readers.resource_types import describe_resource
from fargate_policies.readers.values import describe, is_unknown


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


def not_known(what: str) -> str:
    """The skip reason for a value that is unknown during preview."""
    return f"{what} is not known until the update runs"


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
