"""The upstream fix T7 waits for, measured in the benchmark only (never in the shipped pack).

pulumi-policy 1.21.0's analyzer converts a request's properties once per policy:
`_PolicyAnalyzerServicer.Analyze` (policy.py, lines 971 to 1030) runs `MessageToDict`,
`deserialize_properties`, `unknown_checking_proxy`, `_get_resource_options` and
`_get_provider_resource` inside its loop over the policies, and `AnalyzeStack` (lines 1033 to
1115) converts every resource of the stack again for each stack policy, then links parents and
dependencies again. pulumi/pulumi#21455 ("[Epic] Policy Performance") tracks the SDK's cost.

`install()` replaces those two methods with ones that do the same work once per request and
hand the same converted resource to every policy (each policy still gets its own config and its
own report callback, and errors are handled as upstream handles them). bench/convert_once_pack
runs the project's policies under it; bench/pack_profile.py times it against the no-op pack.
Shared arguments are safe for this pack only because its rules never write to them.
"""

from __future__ import annotations

import asyncio
from inspect import isawaitable
from typing import Any

from google.protobuf import json_format
from pulumi.runtime import proto
from pulumi_policy import policy as sdk
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

Servicer = sdk._PolicyAnalyzerServicer


def _private(servicer: Any, name: str) -> Any:
    """A name-mangled attribute of the SDK's servicer (`self.__policies` in its own methods)."""
    return getattr(servicer, f"_PolicyAnalyzerServicer__{name}")


def _validate(servicer: Any, policy: Any, args: Any, report: Any, response: Any) -> None:
    """`policy.validate(args, report)` with the upstream loop's handling of its outcome."""
    try:
        result = policy.validate(args, report)
        if isawaitable(result):
            loop = asyncio.new_event_loop()
            loop.run_until_complete(asyncio.Task(result, loop=loop))
            loop.close()
    except UnknownValueError as error:
        name = _private(servicer, "policy_pack_name")
        version = _private(servicer, "policy_pack_version")
        response.diagnostics.append(
            proto.AnalyzeDiagnostic(
                policyName=policy.name,
                policyPackName=name,
                policyPackVersion=version,
                message=(
                    f"can't run policy '{policy.name}' from policy pack '{name}@v{version}'"
                    f" during preview: {error.message}"
                ),
                urn="",
                description=policy.description,
                enforcementLevel=servicer._map_enforcement_level(sdk.EnforcementLevel.ADVISORY),
            )
        )
    except sdk._NotApplicableError as error:
        response.not_applicable.append(
            proto.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or "")
        )


def _enabled(servicer: Any, kind: type) -> list[tuple[Any, Any]]:
    """(policy, level to report) for each policy of `kind` that runs, as upstream picks them."""
    chosen = []
    for policy in _private(servicer, "policies"):
        level = servicer._get_enforcement_level(policy)
        if level == sdk.EnforcementLevel.DISABLED or not isinstance(policy, kind):
            continue
        if level == sdk.EnforcementLevel.REMEDIATE:
            level = sdk.EnforcementLevel.MANDATORY
        chosen.append((policy, level))
    return chosen


def _props(message: Any) -> Any:
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(message)))


def analyze(self: Any, request: Any, _context: Any) -> Any:
    """Servicer.Analyze, converting the request once for all resource policies."""
    self._configure_runtime_settings()
    response = proto.AnalyzeResponse()
    converted = None
    for policy, level in _enabled(self, sdk.ResourceValidationPolicy):
        if not policy.has_validation():
            response.not_applicable.append(
                proto.PolicyNotApplicable(
                    policy_name=policy.name, reason="Policy does not implement validate"
                )
            )
            continue
        report = self._create_report_violation(
            response, policy.name, policy.description, level, policy.severity
        )
        if converted is None:  # the one conversion, shared by every policy
            converted = (
                _props(request.properties),
                self._get_resource_options(request),
                self._get_provider_resource(request),
            )
        props, opts, provider = converted
        args = sdk.ResourceValidationArgs(
            request.type,
            props,
            request.urn,
            request.name,
            opts,
            provider,
            self._get_policy_config(policy.name),
            _private(self, "stack_tags"),
        )
        _validate(self, policy, args, report, response)
    return response


def _stack_resources(self: Any, request: Any) -> list[Any]:
    """The request's resources as upstream builds them for each stack policy, built once."""
    resources, by_urn, links = [], {}, []
    for r in request.resources:
        resource = sdk.PolicyResource(
            r.type,
            _props(r.properties),
            r.urn,
            r.name,
            self._get_resource_options(r),
            self._get_provider_resource(r),
            None,
            [],
            {},
        )
        resources.append(resource)
        by_urn[resource.urn] = resource
        dependencies = {key: list(value.urns) for key, value in r.propertyDependencies.items()}
        links.append((resource, r.parent, list(r.dependencies), dependencies))
    for resource, parent, dependencies, property_dependencies in links:
        if parent is not None and parent in by_urn:
            resource.parent = by_urn[parent]
        resource.dependencies += [by_urn[urn] for urn in dependencies if urn in by_urn]
        for key, urns in property_dependencies.items():
            resource.property_dependencies[key] = [by_urn[urn] for urn in urns if urn in by_urn]
    return resources


def analyze_stack(self: Any, request: Any, _context: Any) -> Any:
    """Servicer.AnalyzeStack, converting the stack once for all stack policies."""
    self._configure_runtime_settings()
    response = proto.AnalyzeResponse()
    resources = None
    for policy, level in _enabled(self, sdk.StackValidationPolicy):
        report = self._create_report_violation(
            response, policy.name, policy.description, level, policy.severity
        )
        if resources is None:
            resources = _stack_resources(self, request)
        args = sdk.StackValidationArgs(
            resources, self._get_policy_config(policy.name), _private(self, "stack_tags")
        )
        _validate(self, policy, args, report, response)
    return response


def install() -> None:
    """Make every servicer of this process convert once per request."""
    Servicer.Analyze = analyze
    Servicer.AnalyzeStack = analyze_stack
