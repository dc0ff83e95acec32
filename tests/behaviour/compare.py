"""Each part of the baseline against the current tree: the differences as readable lines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.behaviour import policy_corpus
from tests.behaviour.diff import differences


def compare_stacks(before: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """Paths read "dev.resources.<urn>.inputs.cpu: ...": stack, resource, field."""
    return differences(dict(before), dict(now))


def compare_plans(before: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """Paths read "dev.resources.<urn>.ops[0]: ..." or "...unknownOutputs[2]: ..."."""
    return differences(dict(before), dict(now))


def compare_policy(corpus: Mapping[str, Any]) -> list[str]:
    """Replay every case of the recorded corpus through the current pack; a changed finding
    reads "<policy> on <resource> [<case id>].violations[0].message: before -> now"."""
    now = policy_corpus.replay(corpus)["cases"]
    lines: list[str] = []
    for case_id, case in corpus["cases"].items():
        label = f"{policy_corpus.case_label(case, corpus)} [{case_id}]"
        lines += differences(case, now[case_id], label)
    return lines
