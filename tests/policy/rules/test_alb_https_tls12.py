"""alb-https-tls12: checks whether every HTTPS listener uses a TLS 1.2 or newer security policy."""

from __future__ import annotations

from fargate_spec import tls
from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, policy_tests

POLICY = "alb-https-tls12"

PASSING: list[Case] = [
    Case("tls13", f.https_listener(), []),
    Case("fs-tls12", f.https_listener(sslPolicy="ELBSecurityPolicy-FS-1-2-Res-2020-10"), []),
    Case("http-ignored", f.http_listener(), []),
]

FAILING: list[Case] = [
    Case(
        "missing",
        f.https_listener(sslPolicy=f.DROP),
        [
            "Listener 'web-https' must use a TLS 1.2+ security policy, not unset: set sslPolicy "
            "to 'ELBSecurityPolicy-TLS13-1-2-2021-06' or another of "
            f"{tls.allowed_policies_text()}."
        ],
    ),
    Case(
        "not-allowed",
        f.https_listener(sslPolicy="ELBSecurityPolicy-FS-1-2-Res-2020-10"),
        ["must use one of the allowed security policies ELBSecurityPolicy-TLS13-1-2-2021-06"],
        {"allowedSslPolicies": ["ELBSecurityPolicy-TLS13-1-2-2021-06"]},
    ),
]

# A listener per security policy (label, policy, whether the pack refuses it). Named like TLS 1.3
# policies, yet their rows in the ELB guide's protocol tables allow TLS 1.1 or 1.0; a name AWS
# never published; legacy policies; then two that refuse both: accepted.
SSL_POLICIES = [
    ("tls13-named-but-allows-tls10", "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04", True),
    ("tls13-named-but-allows-tls11", "ELBSecurityPolicy-TLS13-1-1-2021-06", True),
    ("made-up-name", "ELBSecurityPolicy-TLS13-1-2-2099-01", True),
    ("legacy", "ELBSecurityPolicy-2016-08", True),
    ("tls11", "ELBSecurityPolicy-TLS-1-1-2017-01", True),
    ("fips-tls12", "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04", False),
    ("fs-tls12-only", "ELBSecurityPolicy-FS-1-2-Res-2020-10", False),
]
for label, ssl_policy, refused in SSL_POLICIES:
    listener = f.https_listener(sslPolicy=ssl_policy)
    if refused:
        FAILING.append(Case(label, listener, [f"not '{ssl_policy}'"]))
    else:
        PASSING.append(Case(label, listener, []))

test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
