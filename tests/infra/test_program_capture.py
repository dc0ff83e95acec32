"""The capture helper itself (testkit/program_capture.py): config as the CLI builds it,
and runs that leave no Pulumi state behind, however many there are."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings, stack

from testkit.deployable import deployable
from testkit.program_capture import CapturedStack, capture_stack, stack_config
from tests.infra.test_stacks import EXPECTED_COUNTS

T = TypeVar("T")


def fingerprint(stack: CapturedStack) -> list[tuple[str, str, str, str]]:
    return [
        (r.urn, r.id, json.dumps(r.inputs, sort_keys=True), json.dumps(r.outputs, sort_keys=True))
        for r in stack.resources
    ]


def test_config_is_defaults_then_stack_file_then_overrides_as_cli_strings() -> None:
    config = stack_config(
        "prod", {"desiredCount": 4, "enableExec": True, "ingressCidrs": ["10.0.0.0/8"]}
    )
    assert config["fastapi-fargate:desiredCount"] == "4"  # override
    assert config["fastapi-fargate:enableExec"] == "true"  # override, as the CLI spells booleans
    assert config["fastapi-fargate:ingressCidrs"] == '["10.0.0.0/8"]'  # lists travel as JSON
    assert config["fastapi-fargate:minCount"] == "3"  # stack file
    assert config["fastapi-fargate:deletionProtection"] == "true"  # stack file, YAML boolean
    assert config["fastapi-fargate:keepAliveSeconds"] == "75"  # Pulumi.yaml default
    assert config["fastapi-fargate:certificateArn"].startswith("arn:aws:acm:eu-west-1:")
    assert config["aws:region"] == "eu-west-1"
    removed = stack_config("prod", {"aws:region": None, "certificateArn": None})
    assert "aws:region" not in removed
    assert "fastapi-fargate:certificateArn" not in removed


def test_repeated_runs_are_identical_and_independent_under_pulumi_mocks() -> None:
    first_dev = capture_stack("dev")
    prod = capture_stack("prod")
    refused = capture_stack("prod", {"cpu": "3"})
    second_dev = capture_stack("dev")
    assert fingerprint(first_dev) == fingerprint(second_dev)
    assert first_dev.outputs == second_dev.outputs
    assert fingerprint(prod) != fingerprint(first_dev)
    assert refused.error is not None and refused.resources == ()


def run_elsewhere(function: Callable[[], T]) -> T:
    """Run in a thread of its own, with its own event loop, so this test's Pulumi and asyncio
    state cannot leak into later tests either."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            outcome["value"] = function()
        except BaseException as error:
            outcome["error"] = error
        finally:
            loop.close()

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_runs_leave_the_callers_pulumi_state_alone_under_pulumi_mocks() -> None:
    """A caller that set up mocks of its own (as policy tests may) keeps its root stack and
    config; the capture runs in its own thread and context."""

    class Nothing(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
            return f"{args.name}-id", {}

        def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, None]:
            return {}, None

    def caller() -> bool:
        runtime_config.set_all_config({"other:key": "kept"})
        pulumi.runtime.set_mocks(Nothing(), project="other", stack="elsewhere", preview=False)
        root = settings.get_root_resource()
        captured = capture_stack("staging")
        assert captured.error is None and captured.resources
        assert settings.get_root_resource() is root
        assert pulumi.get_project() == "other" and pulumi.get_stack() == "elsewhere"
        assert runtime_config.get_config("other:key") == "kept"
        assert runtime_config.get_config("fastapi-fargate:environment") is None
        # Let the caller's own mock registrations finish before its loop closes.
        asyncio.get_event_loop().run_until_complete(stack.wait_for_rpcs())
        return True

    assert run_elsewhere(caller)


def test_capture_works_from_inside_a_running_event_loop_under_pulumi_mocks() -> None:
    async def capture_inside_a_loop() -> int:
        # The capture blocks this loop's thread, but never touches the loop itself.
        return len(capture_stack("dev").resources)

    def in_a_loop() -> int:
        return asyncio.get_event_loop().run_until_complete(capture_inside_a_loop())

    assert run_elsewhere(in_a_loop) == sum(EXPECTED_COUNTS["dev"].values())


def test_preview_registers_the_same_resources_as_an_up_under_pulumi_mocks() -> None:
    up = capture_stack("staging", deployable("staging"), preview=False)
    preview = capture_stack("staging", deployable("staging"))
    assert up.error is None
    assert preview.type_counts() == up.type_counts()
    assert [r.urn for r in preview.resources] == [r.urn for r in up.resources]


def test_valid_stacks_log_nothing_and_refused_ones_export_nothing_under_pulumi_mocks() -> None:
    assert capture_stack("dev").logs == ()
    assert capture_stack("dev", preview=False).logs == ()
    named = {"domainName": "api.shop-42.net", "hostedZoneId": "Z0123456789ABCDEFGHIJ"}
    assert capture_stack("prod", deployable("prod", **named), preview=False).logs == ()
    refused = capture_stack("prod", {"environment": "qa"})
    assert refused.outputs == {}
    assert refused.resources == ()
