"""The policy part of the behaviour baseline: the whole corpus the policy tests feed the pack,
with the findings, replayable through the current pack whatever the test layout.

Recording: with the recorder of tests/behaviour/record_plugin.py among the harness's observers
(testkit/policy_harness.py), every `check_resource` and `check_stack` appends one JSON line: the
policy, the config knobs, the resources exactly as the policy saw them, the policy clock's date,
and the findings (violations with their URN, advisory skip notes) and the policy's declared
enforcement level. `check_all` runs through
those two, so the mutation corpus (the real stacks, each with one mistake) is recorded too.

Not recorded: inputs Hypothesis generates (tests/policy/test_policy_fuzz.py, the property test
of test_policy_agreement.py). They are about 71,000 distinct random cases: with them
policy.json was 27 MB, without them 2.9 MB (6,385 cases). Their properties (no crash, one
"must" sentence per violation, the pack agrees with the program's settings) stay held by those
tests themselves on every run. The example-based corpus (named cases, exemptions, ingress,
unknowns, the service chain, and the mutations of the real dev/staging/prod stacks) is recorded
whole.

`build` deduplicates the lines (identical inputs once; each distinct resource once, in a table the
cases point into by hash) and `replay` runs each case again through the current pack. The gRPC
analyzer tests (tests/policy/test_policy_pack.py) talk to the pack's server process and are not
recorded here; the offline previews' policy diagnostics are part of plans.json.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import currently_in_test_context

from fargate_policies.readers import exemptions
from testkit import policy_harness as harness


def record(
    path: str,
    kind: str,
    policy_name: str,
    resources: list[harness.Resource],
    *,
    config: Mapping[str, Any] | None,
    outcome: harness.Outcome,
) -> None:
    """Append one policy run to the recording at `path` (one JSON line), unless Hypothesis
    generated it (see the module docstring)."""
    if currently_in_test_context():
        return
    line = {
        "kind": kind,
        "policy": policy_name,
        "config": plain(dict(config or {}), "config"),
        "resources": [_resource(resource) for resource in resources],
        # The exemption policies read this clock; the exemption tests move it (monkeypatch).
        "today": exemptions.today().isoformat(),
        **_findings(policy_name, outcome),
    }
    with open(path, "a", encoding="utf-8") as out:
        # Key order kept: a policy walks the props in their order, and so orders its findings.
        out.write(json.dumps(line, allow_nan=False) + "\n")


def plain(value: Any, where: str) -> Any:
    """`value` as JSON (mappings to objects, tuples to lists); anything else is an error naming
    where it is, so the recording can never silently drop part of an input."""
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"{where}: key {key!r} is not a string")
        return {key: plain(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        raise TypeError(f"{where}: {value!r} has no JSON form")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"{where}: {type(value).__name__} {value!r} has no JSON form")


def _resource(resource: harness.Resource) -> dict[str, Any]:
    where = f"resource {resource.urn}"
    return {
        "type": resource.type,
        "name": resource.name,
        "urn": resource.urn,
        "parent": resource.parent,
        "inputs": plain(resource.inputs, f"{where} inputs"),
        "outputs": None if resource.outputs is None else plain(resource.outputs, f"{where} out"),
    }


def _findings(policy_name: str, outcome: harness.Outcome) -> dict[str, Any]:
    return {
        "enforcementLevel": harness.POLICIES[policy_name].enforcement_level.value,
        "violations": [
            {"message": message, "urn": urn}
            for message, urn in zip(outcome.violations, outcome.urns, strict=True)
        ],
        "skipped": list(outcome.skipped),
    }


FINDINGS = ("enforcementLevel", "violations", "skipped")


def _digest(value: Any) -> str:
    """Identity of an input: key order included (it orders the findings)."""
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16]


def _fields_sorted(record: Mapping[str, Any]) -> dict[str, Any]:
    """A case's or resource's own fields in sorted order; the values (inputs, outputs, config)
    keep theirs. The baseline is written without sort_keys so that order survives."""
    return {key: record[key] for key in sorted(record)}


def build(recording: Path) -> dict[str, Any]:
    """The corpus from a recording: {"cases": {id: case}, "subjects": {hash: [resource hash]},
    "resources": {hash: resource}}.

    A case is {kind, policy, config, today, subject, enforcementLevel, violations, skipped}, its
    id the hash of its inputs; `subject` names the resources it ran on (one for a resource
    policy, the whole stack for a stack policy), each stored once. The same input with two
    different findings (a policy that is not a function of its input) is an error. Cases,
    subjects, resources and their fields come in sorted order; the recorded values keep their
    own key order."""
    resources: dict[str, Any] = {}
    subjects: dict[str, list[str]] = {}
    cases: dict[str, Any] = {}
    for number, text in enumerate(recording.read_text().splitlines(), 1):
        line = json.loads(text)
        hashes = []
        for resource in line["resources"]:
            key = _digest(resource)
            resources[key] = resource
            hashes.append(key)
        subject = _digest(hashes)
        subjects[subject] = hashes
        case = {k: line[k] for k in ("kind", "policy", "config", "today")} | {"subject": subject}
        case_id = _digest(case)
        case |= {k: line[k] for k in FINDINGS}
        if case_id in cases and cases[case_id] != case:
            raise ValueError(
                f"recording line {number}: the same input to {case['policy']} gave different "
                f"findings: {cases[case_id]} and {case}"
            )
        cases[case_id] = case
    return {
        "cases": {key: _fields_sorted(cases[key]) for key in sorted(cases)},
        "resources": {key: _fields_sorted(resources[key]) for key in sorted(resources)},
        "subjects": {key: subjects[key] for key in sorted(subjects)},
    }


def replay(corpus: Mapping[str, Any]) -> dict[str, Any]:
    """`corpus` with each case run again through the current pack (the same inputs, the
    findings now). A policy the pack no longer declares gets the level "policy not declared"."""
    table = corpus["resources"]
    now: dict[str, Any] = {}
    with harness.unobserved():
        for case_id, case in corpus["cases"].items():
            findings: dict[str, Any]
            if case["policy"] not in harness.POLICIES:
                findings = {"enforcementLevel": "policy not declared", "violations": []}
                findings["skipped"] = []
            else:
                subject = [
                    _harness_resource(table[key]) for key in corpus["subjects"][case["subject"]]
                ]
                with _clock(date.fromisoformat(case["today"])):
                    outcome = _check(case, subject)
                findings = _findings(case["policy"], outcome)
            now[case_id] = _fields_sorted(
                {k: v for k, v in case.items() if k not in FINDINGS} | findings
            )
    return {"cases": now, "resources": table, "subjects": corpus["subjects"]}


def _check(case: Mapping[str, Any], subject: list[harness.Resource]) -> harness.Outcome:
    if case["kind"] == "stack":
        return harness.check_stack(case["policy"], subject, case["config"])
    (resource,) = subject
    return harness.check_resource(case["policy"], resource, case["config"])


def _harness_resource(recorded: Mapping[str, Any]) -> harness.Resource:
    return harness.Resource(
        recorded["type"],
        recorded["name"],
        recorded["inputs"],
        recorded["outputs"],
        recorded["parent"],
        recorded["urn"],
    )


@contextmanager
def _clock(today: date) -> Iterator[None]:
    """The pack's clock (fargate_policies.readers.exemptions.today) set to the recorded day, as the
    exemption tests set it."""
    real = exemptions.today
    exemptions.today = lambda: today
    try:
        yield
    finally:
        exemptions.today = real


def case_label(case: Mapping[str, Any], corpus: Mapping[str, Any]) -> str:
    """The case for a report: "policy on name" (resource case), "policy on N resources"."""
    subject = corpus["subjects"][case["subject"]]
    if case["kind"] == "resource":
        return f"{case['policy']} on {corpus['resources'][subject[0]]['name']}"
    return f"{case['policy']} on {len(subject)} resources"
