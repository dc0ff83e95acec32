"""alb-http-redirects-to-https: checks whether every plain-HTTP listener only redirects to HTTPS."""

from __future__ import annotations

from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, policy_tests

POLICY = "alb-http-redirects-to-https"

PASSING: list[Case] = [
    Case("redirect", f.http_listener(), []),
    Case("https", f.https_listener(), []),
    Case("tcp", f.http_listener(protocol="TCP", defaultActions=[{"type": "forward"}]), []),
]

FAILING: list[Case] = [
    Case(
        "forward",
        f.http_listener(defaultActions=[{"type": "forward", "targetGroupArn": "tg"}]),
        [
            "Listener 'web-http' serves plain HTTP and must redirect it to HTTPS (default actions "
            "[\"forward\"]): make its default action {type: 'redirect', redirect: {protocol: "
            "'HTTPS', port: '443', statusCode: 'HTTP_301'}} and serve traffic on an HTTPS listener."
        ],
    ),
    Case(
        "to-http",
        f.http_listener(
            defaultActions=[{"type": "redirect", "redirect": {"protocol": "HTTP", "port": "8080"}}]
        ),
        ['(default actions ["redirect"])'],
    ),
    Case("no-actions", f.http_listener(defaultActions=[]), ["(default actions [])"]),
    Case(
        "protocol-unset",
        f.http_listener(protocol=f.DROP, defaultActions=[{"type": "fixed-response"}]),
        ["serves plain HTTP"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
