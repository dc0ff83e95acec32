"""ecs-container-health-check: checks whether every essential container declares a healthCheck
whose command probes the app and can fail (not `true`, `exit 0`, `echo`, `... || exit 0`), with
interval, timeout, retries and startPeriod within ECS's limits."""

from __future__ import annotations

from fargate_spec.contract import liveness_probe_command
from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, awsx, check, policy_tests, td

PROBE = liveness_probe_command()

CURL_PROBE = "curl -f http://localhost:8000/healthz || exit 1"

NEVER_FAILS = "exits 0 on every path: a probe requests the app's URL or port"

NO_PROBE = "reaches it (a URL, address or port of the container) and decides the result"


POLICY = "ecs-container-health-check"

PASSING: list[Case] = [
    Case("probe", td(), []),
    Case(
        "bounds",
        td(
            healthCheck={
                "command": ["CMD-SHELL", CURL_PROBE],
                "interval": 5,
                "timeout": 60,
                "retries": 10,
                "startPeriod": 300,
            }
        ),
        [],
    ),
    Case(
        "sidecar-without",
        f.task_definition(
            [f.container(), f.container(name="xray", essential=False, healthCheck=f.DROP)]
        ),
        [],
    ),
    Case("awsx", awsx(), []),
    # A health check must check something: a command that cannot fail is no check (issue 14).
    Case("curl-or-exit-1", check("CMD-SHELL", CURL_PROBE), []),
    Case(
        "wget-pipe-grep",
        check("CMD-SHELL", "wget -qO- http://127.0.0.1:8000/healthz | grep ok"),
        [],
    ),
    Case(
        "curl-and-echo", check("CMD-SHELL", "curl -f http://localhost:8000/healthz && echo ok"), []
    ),
    Case(
        "curl-redirected",
        check("CMD-SHELL", "curl -sf http://localhost:8000/healthz >/dev/null 2>&1"),
        [],
    ),
    Case("exec-form-curl", check("CMD", "curl", "-f", "http://localhost:8000/healthz"), []),
    Case("nc-port", check("CMD", "nc", "-z", "127.0.0.1", "8000"), []),
    Case(
        "allowed-probe-command",
        check("CMD", "/bin/grpc_health_probe", "-addr=app"),
        [],
        {"allowedProbeCommands": ["grpc_health_probe"]},
    ),
    Case(
        "accepted-unreadable",
        check(
            "CMD-SHELL", "if curl -f http://localhost:8000/healthz; then exit 0; else exit 1; fi"
        ),
        [],
        {
            "acceptedCommands": [
                "if curl -f http://localhost:8000/healthz; then exit 0; else exit 1; fi"
            ]
        },
    ),
    Case(
        "nested-sh-probe",
        check("CMD-SHELL", "sh -c 'curl -f http://localhost:8000/healthz' && echo ok"),
        [],
    ),
]

FAILING: list[Case] = [
    Case(
        "missing",
        td(healthCheck=f.DROP),
        [
            "Container 'app' in task definition 'web-task' is essential and must declare a "
            "healthCheck: add one whose command is ['CMD', ...] and probe /healthz on port 8000 "
            "(ECS ignores the image's HEALTHCHECK)."
        ],
    ),
    Case(
        "interval",
        td(healthCheck={"command": PROBE, "interval": 600}),
        ["must set healthCheck.interval to a whole number from 5 to 300 seconds, not 600."],
    ),
    Case(
        "timeout-and-retries",
        td(healthCheck={"command": PROBE, "timeout": 1, "retries": 0}),
        [
            "healthCheck.timeout to a whole number from 2 to 60 seconds, not 1",
            "healthCheck.retries to a whole number from 1 to 10 retries, not 0",
        ],
    ),
    Case(
        "start-period-string",
        td(healthCheck={"command": PROBE, "startPeriod": "10"}),
        ["healthCheck.startPeriod to a whole number from 0 to 300 seconds, not '10'"],
    ),
    Case(
        "none",
        td(healthCheck={"command": ["NONE"]}),
        ["must set healthCheck.command to ['CMD', <program>, ...] or ['CMD-SHELL', <script>], not"],
    ),
    Case("not-object", td(healthCheck="curl"), ["must set healthCheck to an object"]),
    Case(
        "sidecar-with-knob",
        f.task_definition(
            [f.container(), f.container(name="xray", essential=False, healthCheck=f.DROP)]
        ),
        ["Container 'xray' in task definition 'web-task' is essential and must declare"],
        {"checkNonEssential": True},
    ),
    Case(
        "cmd-true",
        check("CMD", "true"),
        [
            "Container 'app' in task definition 'web-task' must set a healthCheck.command that "
            'fails when the app does not answer, but ["CMD", "true"] exits 0 on every path: a '
            "probe "
            "requests the app's URL or port and exits non-zero when it does not answer, e.g. "
            "['CMD', 'python', '-c', <urlopen of http://127.0.0.1:8000/healthz>] or "
            "['CMD-SHELL', 'curl -f http://localhost:8000/healthz || exit 1'], with nothing after "
            "it that turns a failure into success (`|| true`, `|| exit 0`, `; true`); a program "
            "that probes without a URL goes in allowedProbeCommands."
        ],
    ),
    Case("cmd-bin-true", check("CMD", "/bin/true"), [NEVER_FAILS]),
    Case("shell-true", check("CMD-SHELL", "true"), [NEVER_FAILS]),
    Case("shell-exit-0", check("CMD-SHELL", "exit 0"), [NEVER_FAILS]),
    Case("shell-colon", check("CMD-SHELL", ":"), [NEVER_FAILS]),
    Case("cmd-echo", check("CMD", "echo", "healthy"), [NEVER_FAILS]),
    Case("shell-echo-url", check("CMD-SHELL", "echo http://localhost:8000/healthz"), [NEVER_FAILS]),
    Case(
        "probe-or-true",
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz || true"),
        [NEVER_FAILS],
    ),
    Case(
        "probe-or-exit-0",
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz || exit 0"),
        [NEVER_FAILS],
    ),
    Case(
        "exec-sh-probe-or-exit-0",
        check("CMD", "sh", "-c", "curl -f http://localhost:8000/healthz || exit 0"),
        [NEVER_FAILS],
    ),
    Case(
        "list-ends-true",
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz; true"),
        [NEVER_FAILS],
    ),
    Case(
        "list-ends-echo",
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz\necho done"),
        [NEVER_FAILS],
    ),
    Case(
        "list-ends-exit-0",
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz > /dev/null; exit 0"),
        [NEVER_FAILS],
    ),
    Case(
        "probe-backgrounded",
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz &"),
        [NEVER_FAILS],
    ),
    Case(
        "nested-sh-probe-or-exit-0",
        check("CMD-SHELL", "exec sh -c 'curl -f http://localhost:8000/healthz || exit 0'"),
        [NEVER_FAILS],
    ),
    Case(
        "no-probe-ls",
        check("CMD-SHELL", "ls /tmp"),
        [
            "Container 'app' in task definition 'web-task' must set a healthCheck.command that "
            'probes the app, but no command in ["CMD-SHELL", "ls /tmp"] reaches it (a URL, '
            "address or port of "
            "the container) and decides the result: a probe requests the app's URL or port"
        ],
    ),
    Case(
        "no-probe-python-exit", check("CMD", "python", "-c", "import sys; sys.exit(0)"), [NO_PROBE]
    ),
    Case(
        "no-probe-unlisted-binary", check("CMD", "/bin/grpc_health_probe", "-addr=app"), [NO_PROBE]
    ),
    Case(
        "probe-piped-to-true",
        check("CMD-SHELL", "curl -f http://localhost:8000/healthz | true"),
        [NEVER_FAILS],
    ),
    Case(
        "unreadable-if",
        check(
            "CMD-SHELL", "if curl -f http://localhost:8000/healthz; then exit 0; else exit 1; fi"
        ),
        [
            'must set a healthCheck.command the pack can read, but ["CMD-SHELL", "if curl -f '
            "http://localhost:8000/healthz; then exit 0; else ex... cannot be read: it uses "
            "the compound command 'if': write it as ['CMD', <client>, <url>] or a CMD-SHELL "
            "script of simple commands joined by &&, ||, ; or | with balanced quotes (no "
            "subshells, groups, if/while/for/case), or list it exactly in this policy's "
            "acceptedCommands."
        ],
    ),
    Case(
        "unreadable-quote",
        check("CMD-SHELL", "curl -f 'http://localhost:8000/healthz"),
        ["cannot be read: its quoting does not balance (No closing quotation)"],
    ),
    Case(
        "unreadable-subshell",
        check("CMD-SHELL", "(curl -f http://localhost:8000/healthz) || exit 0"),
        ["cannot be read: it uses a subshell or function ('(')"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
