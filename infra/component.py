"""What the program's components share: a typed constructor and children parented to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import pulumi

from infra import names

if TYPE_CHECKING:
    from infra.settings import Settings

ArgsT = TypeVar("ArgsT")


class Component(pulumi.ComponentResource):
    """A ComponentResource whose children are named `<name>-<suffix>` and parented to it."""

    def __init__(self, type_token: str, name: str, opts: pulumi.ResourceOptions | None) -> None:
        super().__init__(type_token, name, None, opts)
        self._name = name

    def _child_name(self, suffix: str) -> str:
        return names.child(self._name, suffix)

    def _child(self, **extra: object) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **extra)


@dataclass(frozen=True)
class Keep:
    """How a stateful child (logs, a log bucket) survives mistakes: Pulumi `protect` (from
    deletionProtection) and `retain_on_delete` (from retainOnDelete)."""

    protect: bool = False
    retain_on_delete: bool = False

    @classmethod
    def of(cls, settings: Settings) -> Keep:
        return cls(settings.deletion_protection, settings.retain_on_delete)


class BuiltComponent(Component, Generic[ArgsT]):
    """A component whose children come from `_build()`, which returns its outputs: the
    constructor every edge component shares (type token in `TYPE`, typed args in `_args`)."""

    TYPE: ClassVar[str]

    def __init__(self, name: str, args: ArgsT, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(self.TYPE, name, opts)
        self._args = args
        self.register_outputs(self._build())

    def _build(self) -> dict[str, Any]:
        raise NotImplementedError
