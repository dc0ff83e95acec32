"""Turns: the things a benchmark compares take turns, each round starting one further on, so none
is always measured first (warm caches, the machine's drift) and the figures compared ran seconds
apart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def rotated(items: Sequence[T], turn: int) -> list[T]:
    """`items` starting at position `turn` (modulo their number), wrapping around."""
    shift = turn % len(items)
    return [*items[shift:], *items[:shift]]
