"""The rollout rehearsal's set-up, without running it: the values it takes from each stack, the
HAProxy configuration they become, the task's command, and the results section.

Sources: the target group's fields are pulumi-aws 7.51.1's `aws.lb.TargetGroup` health_check
(path, matcher, interval, timeout, healthy_threshold, unhealthy_threshold) and
deregistration_delay, the ALB's idle_timeout, and the container definition's stopTimeout,
environment and secrets (installed SDK, pulumi_aws/lb/_inputs.py, target_group.py,
load_balancer.py). HAProxy 2.6's configuration manual for `http-check expect status|rstatus`,
`inter`, `rise`, `fall`, `pool-purge-delay` and the `namespace` server keyword.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bench.rollout import report
from bench.rollout.balancer import Slot, render_config, status_rule
from bench.rollout.stack import StackPlan, load_plan
from bench.rollout.tasks import TASK_APP_MODULE, TaskError, fargate_volume, rehearsal_command
from fargate_spec import contract
from infra.load_balancer import TARGET_HEALTH
from infra.settings import Settings, parse_settings
from testkit.program_capture import project_name, stack_config
from testkit.uvicorn_process import image_command, read_stages

STACKS = ("dev", "staging", "prod")


def settings_of(stack: str) -> Settings:
    return parse_settings(stack_config(stack), project_name(), stack)


@pytest.fixture(scope="module", params=STACKS)
def plan(request: pytest.FixtureRequest) -> StackPlan:
    return load_plan(request.param)


def test_plan_is_the_stacks_own_settings(plan: StackPlan) -> None:
    settings = settings_of(plan.stack)
    assert plan.deregistration_delay == settings.deregistration_delay
    assert plan.idle_timeout == settings.alb_idle_timeout
    assert plan.container.stop_timeout == settings.stop_timeout
    environment = dict(plan.container.environment)
    assert environment[contract.UVICORN_KEEP_ALIVE_ENV] == str(settings.keep_alive_seconds)
    assert environment[contract.UVICORN_GRACEFUL_SHUTDOWN_ENV] == str(
        settings.graceful_shutdown_seconds
    )
    assert plan.container.secrets == tuple(sorted(name for name, _ in settings.app_secrets))
    check = plan.health_check
    assert (check.path, check.interval, check.timeout) == (
        contract.LIVENESS_PATH,
        TARGET_HEALTH["interval"],
        TARGET_HEALTH["timeout"],
    )
    assert (check.healthy_threshold, check.unhealthy_threshold) == (
        TARGET_HEALTH["healthy"],
        TARGET_HEALTH["unhealthy"],
    )
    assert plan.container.user == contract.CONTAINER_USER
    assert plan.container.readonly_root
    assert contract.TMP_MOUNT_PATH in plan.container.writable_paths
    assert (plan.minimum_healthy_percent, plan.maximum_percent) == (100, 200)


def test_stacks_differ_where_their_files_do() -> None:
    """A plan built from defaults would pass the test above for dev alone."""
    dev, prod = load_plan("dev"), load_plan("prod")
    assert (dev.deregistration_delay, prod.deregistration_delay) == (5, 30)
    assert (dev.container.stop_timeout, prod.container.stop_timeout) == (10, 60)
    assert dev.container.secrets == ()
    assert prod.container.secrets == ("APP_SENTRY_DSN",)


def test_haproxy_config_carries_the_plan(plan: StackPlan, tmp_path: Path) -> None:
    slots = [Slot("t1", "ns-1"), Slot("t2", "ns-2")]
    config = render_config(plan, slots, 18080, tmp_path / "api.sock")
    check = plan.health_check
    idle = plan.idle_timeout
    assert f"option httpchk GET {check.path}" in config
    assert "http-check expect status 200" in config
    assert f"timeout check {check.timeout}s" in config
    assert (
        f"default-server inter {check.interval}s rise {check.healthy_threshold}"
        f" fall {check.unhealthy_threshold} pool-purge-delay {idle}s"
    ) in config
    for timeout in ("client", "http-keep-alive", "server"):
        assert f"timeout {timeout} {idle}s" in config
    assert "retries 0" in config
    port = plan.container.container_port
    assert f"server t1 127.0.0.1:{port} namespace ns-1 check" in config
    assert f"server t2 127.0.0.1:{port} namespace ns-2 check" in config
    assert "bind 127.0.0.1:18080" in config


@pytest.mark.parametrize(
    ("matcher", "rule"),
    [
        ("200", "status 200"),
        ("200,204", "rstatus ^(200|204)$"),
        ("200-202", "rstatus ^(200|201|202)$"),
    ],
)
def test_target_group_matcher_becomes_an_http_check_rule(matcher: str, rule: str) -> None:
    assert status_rule(matcher) == rule


def test_task_command_is_the_images_cmd_serving_the_slow_wrapper() -> None:
    plan = load_plan("dev")
    cmd = image_command(read_stages()[-1])
    command = rehearsal_command(cmd, plan.container)
    assert command == [TASK_APP_MODULE if word == contract.APP_MODULE else word for word in cmd]
    assert command != cmd and command[0] == cmd[0] == "uvicorn"


def test_task_command_without_the_service_app_is_refused() -> None:
    plan = load_plan("dev")
    with pytest.raises(TaskError, match=r"does not serve app\.main:app"):
        rehearsal_command(["uvicorn", "other:app"], plan.container)


def _results(failed: int) -> dict:
    open_then = {"answered_by_old_task": 2, "slow_answered_by_old_task": 1, "failed": 0}
    phases = {
        "old": "t1",
        "new": "t3",
        "start": 1.0,
        "registered": 1.0,
        "healthy": 20.0,
        "in_flight_at_sigterm": open_then,
    }
    return {
        "stack": "dev",
        "command": "scripts/rollout-rehearsal.sh dev",
        "requests": 1000,
        "failed": failed,
        "failures_by_outcome": {"http 503": failed} if failed else {},
        "slow_requests": 40,
        "replacements": 1,
        "load_seconds": 30.0,
        "negative_control": {
            "description": "broken",
            "requests": 500,
            "failed": 70,
            "failures_by_outcome": {"http 503": 70},
            "failures_by_period": {
                "ended_before_sigterm": 0,
                "open_at_sigterm": 1,
                "sent_while_still_registered": 69,
                "sent_after_deregistration": 0,
            },
            "timeline": {**phases, "old": "t2", "new": "t4", "sigterm": 40.0},
        },
        "timeline": [
            {
                **phases,
                "drain": 20.0,
                "deregistered": 25.0,
                "sigterm": 25.0,
                "in_flight_at_drain": open_then,
            }
        ],
        "plan": load_plan("dev").as_json(),
        "machine": {
            "generated": "2026-11-29 00:00 UTC",
            "cpus": 2,
            "load_average_before": [1.0, 1.0, 1.0],
            "load_average_after": [2.0, 1.0, 1.0],
            "uptime_after": "up",
            "image": "sha256:0123456789abcdef0123",
            "buildah": "1.28.2",
            "haproxy": "2.6.12",
        },
        "differences_from_fargate": ["one"],
    }


def test_results_section_replaces_its_previous_version(tmp_path: Path) -> None:
    results_md = tmp_path / "results.md"
    results_md.write_text("# Benchmark results\n\nother sections\n")
    report.update_markdown(results_md, report.section(_results(failed=3)))
    report.update_markdown(results_md, report.section(_results(failed=0)))
    text = results_md.read_text()
    assert text.startswith("# Benchmark results\n\nother sections\n")
    assert text.count(report.SECTION_BEGIN) == text.count(report.SECTION_END) == 1
    assert "| 0 | none |" in text and "3 http 503" not in text
    assert "| 500 | 70 | 70 http 503 |" in text
    assert "0 before that SIGTERM, 1 open at it, 69 sent while" in text


@pytest.mark.skipif(os.geteuid() != 0, reason="volumes are owned by root, as on Fargate")
def test_writable_volume_is_made_as_fargate_makes_it(tmp_path: Path) -> None:
    """NOTES (Fargate 1.4 bind mounts): an empty volume is root-owned, mode 0755, unless the
    image declares its path a VOLUME, whose contents and mode are copied in."""
    image_root = tmp_path / "root"
    (image_root / "tmp").mkdir(parents=True)
    (image_root / "tmp").chmod(0o1777)
    (image_root / "tmp" / "seed").write_text("from the image")
    os.chown(image_root / "tmp", 1000, 1000)

    undeclared = fargate_volume(image_root, "/tmp", frozenset(), tmp_path / "a")
    assert stat.S_IMODE(undeclared.stat().st_mode) == 0o755
    assert (undeclared.stat().st_uid, undeclared.stat().st_gid) == (0, 0)
    assert list(undeclared.iterdir()) == []

    declared = fargate_volume(image_root, "/tmp", frozenset({"/tmp"}), tmp_path / "b")
    assert stat.S_IMODE(declared.stat().st_mode) == 0o1777
    assert (declared.stat().st_uid, declared.stat().st_gid) == (1000, 1000)
    assert (declared / "seed").read_text() == "from the image"
