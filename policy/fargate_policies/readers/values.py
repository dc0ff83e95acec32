"""Plain values from the engine's property bags, with unknowns made explicit.

The policy SDK hands rules its props wrapped in proxies that raise `UnknownValueError` the moment
an unknown (preview) value is read. Rules never read those proxies: `plain()` copies them once
into ordinary dicts and lists where each unknown becomes an `Unknown` marker carrying its path,
so a rule can check every known value and say exactly which ones it could not check.

The same helpers read numbers and flags the way they arrive from each source: JSON from a
containerDefinitions string (ints), the engine's protobuf structs and Pulumi mocks (floats such as
30.0), and typed awsx inputs.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import proxy as sdk_proxy
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

UNKNOWN_SENTINELS: frozenset[str] = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)


@dataclass(frozen=True)
class Unknown:
    """A value the engine does not know yet (preview): `path` says where it sits."""

    path: str


def is_unknown(value: object) -> bool:
    return isinstance(value, Unknown)


# Types that plain() returns as they are. Checked by exact type first: most values in a stack
# are these, and abstract-base-class checks on each of them dominated a policy's run time.
_LEAVES = frozenset({int, float, bool, type(None)})
# The SDK's proxy classes. Each hands out its wrapped dict or list under the key "__target" (its
# own escape hatch), so plain() reads them without the SDK's per-read unknown check: plain()
# finds the same unknown sentinels itself and gives them the same paths. Empty if a future SDK
# renames them; plain() then reads proxies like any Mapping or Sequence.
_SDK_PROXIES = tuple(
    kind
    for kind in (getattr(sdk_proxy, "_DictProxy", None), getattr(sdk_proxy, "_ListProxy", None))
    if isinstance(kind, type)
)
# The SDK's proxy of a dict (a resource's props), by exact type; None if a future SDK renames it.
_SDK_DICT_PROXY = next((kind for kind in _SDK_PROXIES if kind.__name__ == "_DictProxy"), None)


def _unwrapped(value: Any) -> Any:
    """The dict or list an SDK proxy wraps; any other value as it is."""
    if _SDK_PROXIES and isinstance(value, _SDK_PROXIES):
        return value["__target"]
    return value


def plain(value: Any, path: str = "") -> Any:
    """A copy of `value` with proxies turned into dicts/lists and unknowns into `Unknown`."""
    value = _unwrapped(value)
    kind = type(value)
    if kind is dict:
        return {str(key): _plain_item(value, key, path) for key in list(value)}
    if kind is list:
        return [_plain_item(value, index, path) for index in range(len(value))]
    if isinstance(value, str):
        return Unknown(path) if value in UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        return {str(key): _plain_item(value, key, path) for key in list(value)}
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [_plain_item(value, index, path) for index in range(len(value))]
    return value


class PlainProps(Mapping[str, Any]):
    """A resource's top-level props, each made `plain()` the first time a rule reads it.

    Rules read a handful of a resource's properties, while its outputs carry dozens (tags,
    nested blocks, attributes the provider fills in). Copying all of them for every policy, and
    for every resource of the stack in each stack policy, was most of the pack's own time on
    large stacks (bench/). Reads give what `plain(props)[key]` would, unknowns included.
    """

    __slots__ = ("_raw", "_read")

    def __init__(self, raw: Mapping[str, Any]) -> None:
        # _unwrapped(raw), inline: a stack policy makes one PlainProps per resource of the stack.
        self._raw = raw["__target"] if type(raw) is _SDK_DICT_PROXY else _unwrapped(raw)
        # Only values that plain() rebuilds are kept, so the same read gives the same object;
        # leaves (strings, numbers) are the raw values themselves. Made on the first such read:
        # a stack policy makes one PlainProps per resource and reads most of them for ids only.
        self._read: dict[str, Any] | None = None

    def __getitem__(self, key: str) -> Any:
        read = self._read
        if read is not None and key in read:
            return read[key]
        return self._convert(key)  # KeyError if it has no such key

    def get(self, key: str, default: Any = None) -> Any:
        # Mapping.get would go through __getitem__ and a raised KeyError for every missing key;
        # rules ask for optional keys (arn, tags, ...) of every resource of the stack.
        read = self._read
        if read is not None and key in read:
            return read[key]
        if key not in self._raw:
            return default
        return self._convert(key)

    def text(self, key: str) -> str | None:
        """The value of `key` if it is a known, non-empty string, else None: what a resource's
        identity ("id", "arn") is read with, once per resource by every stack policy."""
        raw = self._raw
        if type(raw) is dict:  # the SDK's own: plain() would keep a known string as it is
            value = raw.get(key)
            if type(value) is str:
                return value if value and value not in UNKNOWN_SENTINELS else None
            if value is None or type(value) in _LEAVES:
                return None
        value = self.get(key)
        return value if value and isinstance(value, str) else None

    def _convert(self, key: str) -> Any:
        value = _plain_item(self._raw, key, "")
        kind = type(value)
        if kind is str or kind in _LEAVES:
            return value
        if self._read is None:
            self._read = {}
        self._read[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __iter__(self) -> Iterator[str]:
        return (str(key) for key in self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"PlainProps({dict(self)!r})"


def plain_props(props: Any) -> Any:
    """Props as a `PlainProps` (read lazily) if they are a mapping; else `plain(props)`."""
    if type(props) is _SDK_DICT_PROXY or isinstance(props, Mapping):  # exact type first: cheap
        return PlainProps(props)
    return plain(props)


def _plain_item(container: Any, key: Any, path: str) -> Any:
    """plain(container[key]); the item's path is only spelled out if something needs it."""
    try:
        item = container[key]
    except UnknownValueError:
        return Unknown(_join(path, key))
    kind = type(item)
    if kind in _LEAVES or (kind is str and item not in UNKNOWN_SENTINELS):
        return item
    return plain(item, _join(path, key))


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


# Readers whose answer depends only on their (hashable) arguments remember it: the SDK's analyzer
# calls every policy with the same resource, so each reads the same text or URN again. Every such
# cache is made here, so that clear_caches() can empty them all (the benchmark starts each timed
# evaluation without the previous one's answers).
_CACHE_CLEARERS: list[Callable[[], None]] = []
# Sized for the task definitions and URNs of a stack of about 10,000 resources (bench/): a stack
# policy reads all of them in turn, and a least-recently-used cache smaller than that misses on
# every read of such a pass.
CACHE_SIZE = 2048


def cached(function: Any) -> Any:
    """`function` remembering its last CACHE_SIZE answers; callers must not modify them."""
    wrapped = functools.lru_cache(maxsize=CACHE_SIZE)(function)
    _CACHE_CLEARERS.append(wrapped.cache_clear)
    return wrapped


def answers() -> dict[Any, Any]:
    """An empty dict for a reader to remember answers in, emptied by clear_caches() too."""
    remembered: dict[Any, Any] = {}
    _CACHE_CLEARERS.append(remembered.clear)
    return remembered


def clear_caches() -> None:
    """Forget every answer `cached` functions and `answers()` dicts remember."""
    for clear in _CACHE_CLEARERS:
        clear()


# A task definition's containerDefinitions string is decoded by each of the dozen policies that
# read containers, for the same text: decoded once per text instead (bench/: about a third of
# the resource policies' own time on large stacks). The result is shared, so it is read-only:
# no rule modifies the definitions it reads.
@cached
def plain_json(text: str) -> Any:
    """plain(json.loads(text)): decoded JSON with unknown sentinels made `Unknown`. Text that
    holds no sentinel (nor a \\u escape that could spell one) decodes to plain values already,
    so it is not walked a second time. Raises ValueError for text that is not JSON. The same
    text gives the same (shared) object: callers must not modify it."""
    decoded = json.loads(text)
    if "\\u" in text or any(sentinel in text for sentinel in UNKNOWN_SENTINELS):
        return plain(decoded)
    return decoded


def as_int(value: object) -> int | None:
    """A whole number from an int or an integral float (mocks and protobuf send 30.0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def as_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def as_list(value: object) -> list[Any]:
    """The value if it is a list, else an empty list (for reading optional arrays)."""
    return value if isinstance(value, list) else []


def as_str_list(value: object) -> list[str] | None:
    """The list if every element is a string, else None (wrong type or an unknown element)."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def describe(value: object) -> str:
    """A short rendering of a value for a message: strings quoted, JSON-like otherwise."""
    if isinstance(value, Unknown):
        return "an unknown value"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    try:
        text = json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_JSON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),  # before int: bool is an int subclass
    ((int, float), "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def type_name(value: object) -> str:
    """The JSON type word for a value, for messages about wrong types."""
    if value is None:
        return "null"
    for python_type, word in _JSON_TYPES:
        if isinstance(value, python_type):
            return word
    return type(value).__name__
