"""What the program's components share: a typed constructor and children parented to them."""

from __future__ import annotations

import pulumi

from infra import names


class Component(pulumi.ComponentResource):
    """A ComponentResource whose children are named `<name>-<suffix>` and parented to it."""

    def __init__(self, type_token: str, name: str, opts: pulumi.ResourceOptions | None) -> None:
        super().__init__(type_token, name, None, opts)
        self._name = name

    def _child_name(self, suffix: str) -> str:
        return names.child(self._name, suffix)

    def _child(self, **extra: object) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **extra)
