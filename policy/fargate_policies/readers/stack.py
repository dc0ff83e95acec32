"""The stack as a graph, for policies that check how resources fit together.

Stack policies see every resource with its outputs; a reference from one resource to another is
an ID or ARN in its props, or (during preview, before IDs exist) a property dependency the engine
records. `StackGraph.refs` follows both, so a rule asks "which security groups does this service
use?" once and gets resources of the stack, IDs of resources outside it, or an `Unknown`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.values import PlainProps, Unknown, is_unknown, plain_props

# Output properties that hold a resource's identity (TF-bridged providers output "id" and "arn").
_IDENTITY_KEYS = ("id", "arn")
# Most resources have no property dependencies (the engine records them during preview): one
# shared, read-only empty mapping for them instead of a new dict per resource per stack policy.
_NO_DEPENDENCIES: Mapping[str, list[str]] = MappingProxyType({})


@dataclass(slots=True)  # one per resource per stack policy: slots make them cheaper to build
class StackResource:
    resource_type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    parent: str | None = None
    property_dependencies: Mapping[str, list[str]] = field(default_factory=dict)

    @property
    def owner(self) -> str:
        return rt.describe_resource(self.resource_type, self.name, self.parent)

    def not_known(self, key: str) -> str:
        return f"{key} of {self.owner} is not known until the update runs"

    def identities(self) -> list[str]:
        """The URN, then each known "id" and "arn" not already listed: what others refer to it
        by."""
        found = [self.urn]
        props = self.props
        text = props.text if type(props) is PlainProps else None
        for key in _IDENTITY_KEYS:
            if text is not None:
                value = text(key)  # the same answer as below, without copying the value
            else:
                value = props.get(key)
                value = value if value and isinstance(value, str) else None
            if value is not None and value not in found:
                found.append(value)
        return found


def stack_resources(resources: Iterable[Any]) -> list[StackResource]:
    """Plain `StackResource`s from the SDK's `PolicyResource`s (never raises on unknowns)."""
    converted = []
    append = converted.append
    components = rt.AWSX_COMPONENT_OUTPUTS
    for resource in resources:  # once per resource per stack policy: kept lean
        resource_type, props = resource.resource_type, resource.props
        if resource_type in components and rt.without_inputs(resource_type, props):
            continue  # an awsx component's outputs: its children are in the stack themselves
        parent = getattr(resource, "parent", None)
        dependencies: Mapping[str, Any] = getattr(resource, "property_dependencies", None) or {}
        append(
            StackResource(
                resource_type,
                resource.name,
                resource.urn,
                plain_props(props),
                parent.urn if parent is not None else None,
                {key: [dependency.urn for dependency in deps] for key, deps in dependencies.items()}
                if dependencies
                else _NO_DEPENDENCIES,
            )
        )
    return converted


@dataclass(frozen=True)
class Refs:
    """What a property points at: resources of the stack, and IDs of resources outside it."""

    resources: tuple[StackResource, ...] = ()
    external: tuple[str, ...] = ()


class StackGraph:
    """The stack's resources, indexed once by type, identity and parent.

    A stack policy asks the same questions for every service (which task definition, which
    target groups, which listeners), so each answer is a dictionary lookup, and a policy's cost
    grows with the size of the stack, not with its square. Answers keep the stack's order.
    """

    def __init__(self, resources: list[StackResource]) -> None:
        self.resources = resources
        self._by_urn = {resource.urn: resource for resource in resources}
        self._of_type: dict[tuple[str, ...], list[StackResource]] = {}
        # {identity: the resource it names, or a list if several do}: most identities name one
        # resource, and a list for each would be thousands of objects per stack policy.
        by_identity: dict[str, StackResource | list[StackResource]] = {}
        self._by_identity = by_identity
        self._children: dict[str, list[StackResource]] = {}
        for resource in resources:
            for identity in resource.identities():
                named = by_identity.get(identity)
                if named is None:
                    by_identity[identity] = resource
                elif type(named) is list:
                    named.append(resource)
                else:
                    by_identity[identity] = [named, resource]
            if resource.parent is not None:
                self._children.setdefault(resource.parent, []).append(resource)
        self._derived: dict[str, Any] = {}

    def of_type(self, *types: str) -> list[StackResource]:
        """The resources of `types`, in stack order (a shared list: do not modify it)."""
        found = self._of_type.get(types)
        if found is None:
            found = [resource for resource in self.resources if resource.resource_type in types]
            self._of_type[types] = found
        return found

    def children(self, parent: StackResource, *types: str) -> list[StackResource]:
        return [r for r in self._children.get(parent.urn, ()) if r.resource_type in types]

    def derived(self, key: str, build: Callable[[], Any]) -> Any:
        """`build()`, computed once per graph: an index a policy needs for every service."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    def refs(self, resource: StackResource, key: str, values: Any, *types: str) -> Refs | Unknown:
        """The resources of `types` that `values` (an ID, or a list of IDs, found under the
        top-level property `key` of `resource`) refer to.

        Known IDs are matched against the stack's resources; IDs not in the stack are external.
        Unknown IDs (preview) are resolved through the engine's property dependencies of `key`;
        if those name no resource of `types`, the answer is Unknown.
        """
        items = values if isinstance(values, list) else [values]
        items = [item for item in items if item is not None]
        if is_unknown(values) or any(map(is_unknown, items)):
            found = self._dependencies(resource, key, types)
            return Refs(tuple(found)) if found else Unknown(f"{resource.urn}.{key}")
        matched: list[StackResource] = []
        external: list[str] = []
        for item in items:
            target = self._find(str(item), types)
            if target is None:
                external.append(str(item))
            elif target not in matched:
                matched.append(target)
        return Refs(tuple(matched), tuple(external))

    def _find(self, identity: str, types: tuple[str, ...]) -> StackResource | None:
        named = self._by_identity.get(identity)
        candidates = named if type(named) is list else (named,) if named is not None else ()
        for candidate in candidates:
            if candidate.resource_type in types:
                return candidate
        return None

    def _dependencies(
        self, resource: StackResource, key: str, types: tuple[str, ...]
    ) -> list[StackResource]:
        urns = resource.property_dependencies.get(key, [])
        found = [self._by_urn[urn] for urn in urns if urn in self._by_urn]
        return [dependency for dependency in found if dependency.resource_type in types]
