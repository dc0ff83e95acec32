"""Capture the three parts of the behaviour baseline, and read and write baseline/*.json.

What is normalised, and why (everything else is recorded as the run produced it):
- stacks: each resource's `dependencies` are sorted (the SDK sends them in the order its
  awaits resolved, a set in meaning); no value is run-dependent under the mocks (FakeAws derives
  IDs, ARNs and digests from the URN and inputs).
- policy: nothing; a case records the policy clock's date (the exemption policies compare with
  it) and the replay sets the clock to it, so a baseline does not go stale by the calendar. A
  capture on another day records that day, and the mutation corpus's "expires in 10 days" tag
  (tests/policy/test_policy_mutations.py SOON) moves with it: expected churn of a refresh.
- plans: the plan's `seed` (random per preview, pkg/resource/deploy/plan.go) and its manifest
  (time, CLI version) are left out, and so are the engine's "using pulumi-resource-X from $PATH
  at <worktree>" warnings (they name the checkout's path). A goal's `dependencies` and
  `propertyDependencies` lists are sorted: the engine keeps them in the order the SDK's awaits
  resolved, which differs between two previews of the same tree (seen: the NAT gateway's
  [eip, subnet] one run, [subnet, eip] the next). A secret's `ciphertext` (the registry password
  of docker-build:index:Image) is shown as "<encrypted>": the stack's secrets manager encrypts
  with a fresh nonce each time. Unknown values (the engine's sentinel
  04da6b54-80e4-46f7-96ec-b56ff0331ba9, pulumi sdk/go/common/resource/plugin/rpc.go
  UnknownStringValue) are recorded as "<unknown>".
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from testkit.program_capture import ROOT, capture_stack
from tests.behaviour import policy_corpus
from tests.behaviour.diff import differences, report
from tests.behaviour.record_plugin import RECORD_ENV

BASELINE = Path(__file__).resolve().parent / "baseline"
PARTS = ("stacks", "policy", "plans")  # the order of a full capture
PREVIEW = ROOT / "scripts" / "offline-preview.sh"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SHOWN_UNKNOWN = "<unknown>"
SHOWN_CIPHERTEXT = "<encrypted>"
PLUGIN_PATH_WARNING = re.compile(r"using pulumi-resource-[\w-]+ from \$PATH at ")


def stacks() -> list[str]:
    """The project's stacks: one Pulumi.<stack>.yaml each."""
    return sorted(path.name.split(".")[1] for path in ROOT.glob("Pulumi.*.yaml"))


# --- stacks -----------------------------------------------------------------------------------


def capture_stacks() -> dict[str, Any]:
    """Per stack, what the program registers under the mocks, as `pulumi preview` runs it."""
    return {stack: capture_one_stack(stack) for stack in stacks()}


def capture_one_stack(stack: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One stack's part of stacks.json; `overrides` as program_capture's (the guard's own test
    changes a setting with it)."""
    captured = capture_stack(stack, overrides)
    where = f"stack {stack}"
    return {
        "error": None if captured.error is None else str(captured.error),
        "exports": policy_corpus.plain(captured.outputs, f"{where} exports"),
        "logs": [list(entry) for entry in captured.logs],
        "resources": {
            resource.urn: {
                "type": resource.type,
                "name": resource.name,
                "parent": resource.parent_urn,
                "custom": resource.custom,
                "remote": resource.remote,
                "protect": resource.protect,
                "retainOnDelete": resource.retain_on_delete,
                "ignoreChanges": list(resource.ignore_changes),
                "dependencies": sorted(resource.dependencies),
                "inputs": policy_corpus.plain(resource.inputs, f"{resource.urn} inputs"),
            }
            for resource in captured.resources
        },
    }


# --- policy -----------------------------------------------------------------------------------


def capture_policy() -> dict[str, Any]:
    """Run tests/policy with the harness recording, build the corpus, and check that replaying
    it reproduces every recorded finding (else the recording lost part of an input)."""
    with tempfile.TemporaryDirectory(prefix="behaviour-policy-") as scratch:
        recording = Path(scratch) / "recording.jsonl"
        recording.touch()
        command = [
            sys.executable,
            "-m",
            "pytest",
            "tests/policy",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.behaviour.record_plugin",
        ]
        env = {**os.environ, RECORD_ENV: str(recording)}
        run = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if run.returncode != 0:
            raise SystemExit(f"tests/policy failed; no baseline taken:\n{run.stdout[-4000:]}")
        # Through the file format, as the test will read it back.
        corpus = json.loads(dumps("policy", policy_corpus.build(recording)))
    unfaithful = differences(corpus["cases"], policy_corpus.replay(corpus)["cases"], "cases")
    if unfaithful:
        raise SystemExit(report("policy (replay of the fresh recording)", unfaithful))
    return corpus


# --- plans ------------------------------------------------------------------------------------


def capture_plans() -> dict[str, Any]:
    """Per stack, the plan of the offline preview (real CLI, stand-ins, the pack), each in a
    backend of its own so every plan is a first preview (all creates)."""
    with tempfile.TemporaryDirectory(prefix="behaviour-plans-") as scratch:
        return {stack: _plan(stack, Path(scratch)) for stack in stacks()}


def _plan(stack: str, scratch: Path) -> dict[str, Any]:
    plan_file = scratch / f"{stack}.plan.json"
    env = {**os.environ, "OFFLINE_STATE": str(scratch / "state")}
    command = ["bash", str(PREVIEW), stack, "--json", "--save-plan", str(plan_file)]
    run = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    if run.returncode != 0 or not plan_file.exists():
        raise RuntimeError(
            f"offline preview of {stack} failed ({run.returncode}):\n{run.stderr[-4000:]}\n"
            f"{run.stdout[-4000:]}"
        )
    preview = json.loads(run.stdout)
    plan = json.loads(plan_file.read_text())
    return {
        "diagnostics": [
            {key: entry.get(key) for key in ("severity", "message", "urn")}
            for entry in preview.get("diagnostics") or []
            if not PLUGIN_PATH_WARNING.search(entry.get("message", ""))
        ],
        "resources": {
            urn: {
                "ops": resource_plan.get("steps") or [],
                "goal": _goal(resource_plan.get("goal") or {}),
                "unknownOutputs": unknown_paths(resource_plan.get("state") or {}),
            }
            for urn, resource_plan in plan["resourcePlans"].items()
        },
    }


def unknown_paths(value: Any, path: str = "") -> list[str]:
    """Where `value` holds the engine's unknown sentinel, e.g. ["arn", "tags.Name"].

    Applied to a resource plan's planned `state`: for the stack, its exports (which outputs a
    first preview leaves unknown); for a provider resource, the state a preview plans, its
    inputs as the engine resolved them (role ARNs unknown, say), computed-only attributes being
    absent from a preview's plan."""
    if value == UNKNOWN:
        return [path or "<whole>"]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(index), item) for index, item in enumerate(value))
    else:
        return []
    return [
        found
        for key, item in items
        for found in unknown_paths(item, f"{path}.{key}" if path else key)
    ]


def _goal(goal: Mapping[str, Any]) -> dict[str, Any]:
    """The resource's goal, with its dependency lists sorted (see the module docstring)."""
    shown = _shown(goal)
    if "dependencies" in shown:
        shown["dependencies"] = sorted(shown["dependencies"])
    for key, urns in (shown.get("propertyDependencies") or {}).items():
        shown["propertyDependencies"][key] = sorted(urns)
    return shown


def _shown(value: Any) -> Any:
    if value == UNKNOWN:
        return SHOWN_UNKNOWN
    if isinstance(value, dict) and "ciphertext" in value:
        return {**value, "ciphertext": SHOWN_CIPHERTEXT}
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shown(item) for item in value]
    return value


# --- the baseline files -----------------------------------------------------------------------

CAPTURES = {"stacks": capture_stacks, "policy": capture_policy, "plans": capture_plans}


# policy.json orders its own keys (policy_corpus.build): the recorded inputs keep their order.
KEEPS_ITS_ORDER = {"policy"}


def dumps(part: str, document: Any) -> str:
    """Deterministic and diff-friendly: sorted keys (see KEEPS_ITS_ORDER), one value per line,
    ASCII only (the fuzz corpus holds lone surrogates, which UTF-8 cannot encode), a final
    newline."""
    text = json.dumps(document, indent=1, sort_keys=part not in KEEPS_ITS_ORDER, allow_nan=False)
    return text + "\n"


def read(part: str, directory: Path = BASELINE) -> Any:
    return json.loads((directory / f"{part}.json").read_text())


def write(part: str, document: Any, directory: Path = BASELINE) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{part}.json"
    path.write_text(dumps(part, document))
    return path
