"""The pack as Pulumi runs it: its files, its config files, and its real gRPC analyzer server.

`policy/__main__.py` is started as the CLI's language host would start it and spoken to over
gRPC with the engine's own messages (GetAnalyzerInfo, Configure, Analyze, AnalyzeStack), so the
SDK's handling of config, enforcement levels and unknown values is exercised for real.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from fargate_policies.catalog import ALL_POLICIES, PACK_NAME, POLICY_DOCS
from fargate_policies.framework import PolicyDoc
from fargate_policies.pack_config import config_problems, load_config
from testkit import policy_fixtures as f

PACK = Path(__file__).resolve().parents[2] / "policy"
MISSION = {
    "ecs-container-non-root",
    "ecs-container-not-privileged",
    "ecs-container-health-check",
    "alb-target-group-health-check",
    "ecs-service-health-check-grace-period",
    "ecs-container-single-process",
    "ecs-fargate-task-size",
    "ecs-container-resources-fit-task",
    "ecs-task-definition-readable",
    "policy-exemption-valid",  # a wrong exemption blocks, or it would excuse silently
    "ecs-awsvpc-host-port",  # ECS refuses what it reports: `up` would fail at the task definition
    "ecs-fargate-network-mode",  # the same: ECS refuses a Fargate task in another network mode
}
# Active exemptions are notes; making this mandatory in a config turns exemptions off.
ALWAYS_ADVISORY = {"policy-exemption-active"}


def test_pack_layout() -> None:
    manifest = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}}
    assert manifest["description"]
    requirements = (PACK / "requirements.txt").read_text().split()
    assert "-e" in requirements and "../facts" in requirements
    assert any(r.startswith("pulumi-policy==") for r in requirements)
    assert any(r.startswith("pulumi==") for r in requirements)


def test_policy_names_descriptions_and_levels() -> None:
    names = [policy.name for policy in ALL_POLICIES]
    assert len(names) == len(set(names))
    for policy in ALL_POLICIES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", policy.name), policy.name
        assert policy.description.startswith("Checks whether "), policy.name
        assert policy.description.endswith("."), policy.name
        expected = (
            EnforcementLevel.MANDATORY if policy.name in MISSION else EnforcementLevel.ADVISORY
        )
        assert policy.enforcement_level == expected, policy.name
        for knob_name, knob in POLICY_DOCS[policy.name].knobs.items():
            assert knob.problem(knob.default) is None, (policy.name, knob_name)
            assert policy.config_schema.properties[knob_name]["default"] == knob.default


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_environment_config_files_are_valid(stack: str) -> None:
    assert config_problems(load_config(PACK / "config" / f"{stack}.json"), POLICY_DOCS) == []


def test_prod_and_staging_make_every_policy_mandatory() -> None:
    for stack in ("staging", "prod"):
        document = load_config(PACK / "config" / f"{stack}.json")
        for name, doc in POLICY_DOCS.items():
            if doc.enforcement_level == EnforcementLevel.MANDATORY or name in ALWAYS_ADVISORY:
                continue
            value = document.get(name)
            level = value if isinstance(value, str) else (value or {}).get("enforcementLevel")
            assert level == "mandatory", (stack, name)


def test_config_problems_name_the_key_and_what_is_valid() -> None:
    document = {
        "ecs-container-nonroot": "mandatory",
        "ecs-container-non-root": {"allowedUids": "1000", "allowedUsers": []},
        "alb-https-tls12": "blocking",
        "all": "advisory",
    }
    problems = config_problems(document, POLICY_DOCS)
    assert problems[0].startswith("'ecs-container-nonroot' names no policy of the pack: use one of")
    assert problems[1:] == [
        "'ecs-container-non-root' knob 'allowedUids' must be an array of integer values, "
        "not '1000'",
        "'ecs-container-non-root' has no knob 'allowedUsers' (knobs: allowedUids, "
        "requireNumericUid, exemptible, maxExemptionDays)",
        "'alb-https-tls12' enforcement level 'blocking' is not one of advisory, mandatory, "
        "remediate, disabled",
    ]
    assert config_problems([], POLICY_DOCS) == [
        "the config must be a JSON object keyed by policy name, not <class 'list'>"
    ]


def test_a_config_file_that_is_not_json_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{'ecs-container-non-root': 'mandatory'}")
    with pytest.raises(ValueError, match=r"broken\.json is not valid JSON"):
        load_config(broken)


# --- the real analyzer server ------------------------------------------------------------------


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    server = subprocess.Popen(
        [sys.executable, "-u", str(PACK / "__main__.py")],
        cwd=PACK,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = server.stdout.readline().strip()
        assert port.isdigit(), f"the pack printed {port!r}; stderr: {server.stderr.read()}"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _analyze(stub: analyzer_pb2_grpc.AnalyzerStub, resource: f.Resource) -> list[Any]:
    request = analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        name=resource.name,
        urn=resource.urn,
        properties=_struct(dict(resource.inputs)),
    )
    return list(stub.Analyze(request).diagnostics)


def test_analyzer_describes_every_policy(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == PACK_NAME and info.supportsConfig
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert levels == {
        policy.name: analyzer_pb2.MANDATORY if policy.name in MISSION else analyzer_pb2.ADVISORY
        for policy in ALL_POLICIES
    }
    schemas = {p.name: json_format.MessageToDict(p.configSchema) for p in info.policies}
    grace = schemas["ecs-service-health-check-grace-period"]["properties"]
    assert grace["minimumGracePeriodSeconds"]["default"] == 30


def test_analyzer_reports_violations_and_skipped_checks(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest())
    root = f.awsx_service(c={"user": "root", "privileged": UNKNOWN_STRING_VALUE})
    diagnostics = _analyze(analyzer, root)
    by_policy = {d.policyName: d for d in diagnostics}
    assert set(by_policy) == {"ecs-container-non-root", "ecs-container-not-privileged"}
    violation = by_policy["ecs-container-non-root"]
    assert violation.enforcementLevel == analyzer_pb2.MANDATORY
    assert violation.message.endswith(
        "Container 'app' in service 'web' must not run as root (user 'root'; it names root): "
        "set user to a non-root UID such as '1000:1000'."
    )
    skipped = by_policy["ecs-container-not-privileged"]
    assert skipped.enforcementLevel == analyzer_pb2.ADVISORY  # even though the policy is mandatory
    assert skipped.message.endswith(
        "skipped checks: privileged of container 'app' in service 'web' is not known until the "
        "update runs"
    )


def test_analyzer_applies_the_prod_config(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    """Knob values arrive as protobuf numbers (floats) and levels override the defaults."""
    document = load_config(PACK / "config" / "prod.json")
    config = {}
    for name, value in document.items():
        level = value if isinstance(value, str) else value.get("enforcementLevel")
        knobs = (
            {}
            if isinstance(value, str)
            else {k: v for k, v in value.items() if k != "enforcementLevel"}
        )
        config[name] = analyzer_pb2.PolicyConfig(
            enforcementLevel=analyzer_pb2.MANDATORY
            if level == "mandatory"
            else analyzer_pb2.ADVISORY,
            properties=_struct(knobs),
        )
    analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=config))
    try:
        diagnostics = _analyze(
            analyzer,
            f.service(healthCheckGracePeriodSeconds=45, deploymentCircuitBreaker={"enable": True}),
        )
        by_policy = {d.policyName: d for d in diagnostics}
        assert set(by_policy) == {
            "ecs-service-health-check-grace-period",
            "ecs-service-circuit-breaker",
        }
        assert "at least 60, not 45" in by_policy["ecs-service-health-check-grace-period"].message
        assert by_policy["ecs-service-circuit-breaker"].enforcementLevel == analyzer_pb2.MANDATORY
    finally:
        analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest())


def test_analyzer_checks_the_stack(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest())
    resources = f.stack(task_ingress=[{"cidrBlocks": ["0.0.0.0/0"]}])
    request = analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=r.type, name=r.name, urn=r.urn, properties=_struct(dict(r.outputs or r.inputs))
            )
            for r in resources
        ]
    )
    every = list(analyzer.AnalyzeStack(request).diagnostics)
    diagnostics = [d for d in every if "skipped checks:" not in d.message]
    assert [d.policyName for d in diagnostics] == ["ecs-service-ingress-from-alb-only"]
    # The service's task definition is not in this stack: the end-to-end policies say so.
    notes = {d.policyName: d for d in every if "skipped checks:" in d.message}
    assert set(notes) == {
        "ecs-service-health-check-consistency",
        "ecs-service-shutdown-timing",
        "ecs-service-architecture",
    }
    assert all(n.enforcementLevel == analyzer_pb2.ADVISORY for n in notes.values())
    task_group = next(r for r in resources if r.name == "task-sg")
    assert diagnostics[0].urn == task_group.urn
    assert "must admit only the load balancer's security group" in diagnostics[0].message


def readme_cell(text: str) -> str:
    """Text as a README table cell shows it (markdown table and HTML escapes)."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def knobs_cell(doc: PolicyDoc) -> str:
    knobs = [
        f"`{key}` = `{json.dumps(knob.default)}`: {knob.description}"
        for key, knob in doc.own_knobs.items()
    ]
    return readme_cell("<br>".join(knobs)).replace("&lt;br&gt;", "<br>") if knobs else "none"


def test_readme_table_is_the_policies_with_their_descriptions_levels_and_knobs() -> None:
    """One row per policy and one policy per row, in the catalog's order; each row says what the
    policy's description says ("Checks whether ..."), its level and its knobs with their
    defaults and descriptions, and shows an example message."""
    rows = [
        [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        for line in (PACK / "README.md").read_text().splitlines()
        if line.startswith("| `")
    ]
    policy_rows = [row for row in rows if len(row) == 5]
    assert [row[0].strip("`") for row in policy_rows] == list(POLICY_DOCS), (
        "the README's policy table and the catalog list different policies (or orders)"
    )
    for (name, checks, level, knobs, example), doc in zip(
        policy_rows, POLICY_DOCS.values(), strict=True
    ):
        assert doc.description.startswith("Checks whether "), name
        assert checks == readme_cell(doc.description.removeprefix("Checks whether ")).rstrip("."), (
            name
        )
        assert level == doc.enforcement_level.value, name
        assert knobs == knobs_cell(doc), name
        assert " must " in example, f"{name}: the row needs an example message"
    # The exemption limits every policy but the two exemption policies takes, said once.
    shared = set(POLICY_DOCS["ecs-container-non-root"].knobs) - set(
        POLICY_DOCS["ecs-container-non-root"].own_knobs
    )
    assert shared == {"exemptible", "maxExemptionDays"}
    readme = (PACK / "README.md").read_text()
    assert all(
        f"`{knob}`" in readme.split("## Policies")[1].split("| policy |")[0] for knob in shared
    )
