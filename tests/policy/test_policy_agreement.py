"""One source for shared facts: the program and the pack agree on every plaintext variable.

The facts (fargate_spec.processes: worker-count, reload and gunicorn variables;
fargate_spec.secret_names: secret name markers and secret-looking values) are enumerated here.
For each one, the pack with its default knobs reports a task definition that sets it (at some
level), and the program's config validation refuses it in `appEnvironment`, by name, before
anything is registered. The converse, fuzzed: whatever `appEnvironment` the validation accepts,
no policy reports the container that carries it; and the program's real stacks with accepted
variables produce no finding at all.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargate_policies.pack_config import load_config
from fargate_spec.processes import (
    GUNICORN_VARIABLES,
    PROCESS_VARIABLES,
    RELOAD_VARIABLES,
    WORKER_COUNT_VARIABLES,
)
from fargate_spec.secret_names import SECRET_NAME_MARKERS, SECRET_VALUE_PATTERNS
from infra.settings import SettingsError, parse_settings
from testkit import policy_fixtures as f
from testkit.policy_harness import check_all, from_capture
from testkit.program_capture import capture_stack, project_name, stack_config
from tests.policy.test_policy_mutations import CONFIG_DIR

# One value per secret-value pattern, so a new pattern in the facts needs a sample here.
SECRET_VALUE_SAMPLES = {
    "an AWS access key ID": "AKIAABCDEFGHIJKLMNOP",
    "a private key": "-----BEGIN RSA PRIVATE KEY-----",
    "a GitHub token": "ghp_" + "a" * 36,
    "a Slack token": "xoxb-1234567890-abcdef",
}


def _process_value(name: str) -> str:
    """A value of a process variable that the single-process rule reports."""
    if name in RELOAD_VARIABLES:
        return "true"
    if name in GUNICORN_VARIABLES:
        return "--workers 4"
    assert name in WORKER_COUNT_VARIABLES, name
    return "4"


FACT_ENTRIES: list[tuple[str, str]] = [
    *((name, _process_value(name)) for name in PROCESS_VARIABLES),
    *((f"APP_{marker}", "x") for marker in SECRET_NAME_MARKERS),
    *((f"APP_{marker.lower()}_file", "x") for marker in SECRET_NAME_MARKERS),
    *(("UPSTREAM_SETTING", value) for value in SECRET_VALUE_SAMPLES.values()),
    # The three the issue names.
    ("MAX_WORKERS", "4"),
    ("GUNICORN_CMD_ARGS", "--workers 4"),
    ("SERVICE_CREDENTIALS", "x"),
]


def pack_findings(name: str, value: str) -> dict[str, list[str]]:
    """What every policy, at its default level and knobs, reports on a container with name=value."""
    task = f.task_definition([f.container(environment=[{"name": name, "value": value}])])
    return {
        policy: outcome.violations
        for policy, outcome in check_all([task]).items()
        if outcome.violations
    }


def refusal(entries: list[str], stack: str = "dev") -> str | None:
    """The program's config error for this appEnvironment, or None if it accepts it."""
    values = stack_config(stack, {"appEnvironment": entries})
    try:
        parse_settings(values, project_name(), stack)
    except SettingsError as error:
        return str(error)
    return None


def test_every_secret_value_pattern_has_a_sample() -> None:
    assert set(SECRET_VALUE_SAMPLES) == {label for label, _ in SECRET_VALUE_PATTERNS}


def test_the_plain_fixture_container_is_clean_so_findings_come_from_the_variable() -> None:
    assert pack_findings("APP_LOG_LEVEL", "INFO") == {}
    assert refusal(["APP_LOG_LEVEL=INFO"]) is None


@pytest.mark.parametrize(("name", "value"), FACT_ENTRIES, ids=[f"{n}={v}" for n, v in FACT_ENTRIES])
def test_what_the_pack_reports_the_program_refuses_by_name(name: str, value: str) -> None:
    findings = pack_findings(name, value)
    assert findings, f"the pack does not report {name}"
    assert all(name in message for messages in findings.values() for message in messages)
    error = refusal([f"{name}={value}"])
    assert error is not None, f"config validation accepts {name}, which the pack reports"
    line = next(line for line in error.splitlines() if "appEnvironment" in line)
    assert f"{name}=<value not shown>" in line and f": {name} " in line, line
    if value in SECRET_VALUE_SAMPLES.values():
        assert value not in error, "a secret value was echoed"


names = st.one_of(
    st.sampled_from([*PROCESS_VARIABLES, "APP_LOG_LEVEL", "FEATURE_FLAG", "TOKEN_TTL", "PORT"]),
    st.from_regex(r"\A[A-Z][A-Z_]{0,20}\Z"),
    st.builds(
        lambda head, marker, tail: f"{head}{marker}{tail}",
        st.from_regex(r"\A[A-Za-z_]{0,5}\Z"),
        st.sampled_from([m.lower() for m in SECRET_NAME_MARKERS] + list(SECRET_NAME_MARKERS)),
        st.from_regex(r"\A[A-Za-z_]{0,5}\Z"),
    ),
)
values = st.one_of(
    st.sampled_from(["1", "4", "true", "--workers 2", "x", *SECRET_VALUE_SAMPLES.values()]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=24),
)


@settings(max_examples=300, deadline=None)
@given(name=names, value=values)
def test_whatever_the_program_accepts_the_pack_does_not_report(name: str, value: str) -> None:
    if refusal([f"{name}={value}"]) is None:
        assert pack_findings(name, value) == {}, f"{name}={value!r} accepted, then reported"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_program_with_accepted_variables_produces_no_finding(stack: str) -> None:
    entries = ["APP_LOG_LEVEL=DEBUG", "FEATURE_FLAG=on", "APP_ADD_MAX_TERMS=50"]
    assert refusal(entries, stack) is None
    captured = capture_stack(stack, {"appEnvironment": entries})
    assert captured.error is None
    results = check_all(from_capture(captured), load_config(CONFIG_DIR / f"{stack}.json"))
    noisy = {n: (o.violations, o.skipped) for n, o in results.items() if o.violations or o.skipped}
    assert noisy == {}
