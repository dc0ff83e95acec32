"""ecs-container-no-plaintext-secrets: checks whether any container passes a secret (a name like
*PASSWORD*, *SECRET*, *TOKEN*, *API_KEY*, or a value that looks like a key) as a plaintext
environment variable."""

from __future__ import annotations

from tests.policy.rules.cases import Case, awsx, env, policy_tests, td

POLICY = "ecs-container-no-plaintext-secrets"

PASSING: list[Case] = [
    Case("secrets-block", td(), []),
    Case("plain-config", td(environment=env(("APP_LOG_LEVEL", "DEBUG"), ("TIMEOUT", "5"))), []),
    Case("empty-value", td(environment=env(("API_KEY", ""))), []),
    Case(
        "allowed-name",
        td(environment=env(("TOKEN_TTL_SECONDS", "300"))),
        [],
        {"allowedNames": ["TOKEN_TTL_SECONDS"]},
    ),
]

FAILING: list[Case] = [
    Case(
        "password",
        td(environment=env(("DB_PASSWORD", "hunter2"))),
        [
            "Container 'app' in task definition 'web-task' must not pass DB_PASSWORD as a "
            "plaintext environment variable (its name contains PASSWORD): move it to the "
            "container's secrets with valueFrom set to a Secrets Manager secret or SSM "
            "parameter ARN."
        ],
    ),
    Case("api-key", td(environment=env(("stripe_api_key", "sk"))), ["(its name contains API_KEY)"]),
    Case(
        "aws-key-value",
        td(environment=env(("KEY_ID", "AKIAABCDEFGHIJKLMNOP"))),
        ["(its value looks like an AWS access key ID)"],
    ),
    Case(
        "private-key",
        awsx(environment=env(("CERT", "-----BEGIN RSA PRIVATE KEY-----\nx"))),
        ["in service 'web' must not pass CERT"],
    ),
    Case(
        "extra-pattern",
        td(environment=env(("DSN", "postgres://u:p@h/db"))),
        ["(its name contains DSN)"],
        {"extraSecretNamePatterns": ["dsn"]},
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
