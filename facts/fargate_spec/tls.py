"""ELB security policies whose lowest protocol is TLS 1.2: the only ones the program configures
and the policy pack accepts on an HTTPS listener.

An allow-list, not a name pattern: `ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04` reads like a
modern policy and still negotiates TLS 1.0. Source: Elastic Load Balancing User Guide,
"Security policies for your Application Load Balancer"
(docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html), the
"Protocols by policy" tables of its TLS, FIPS and FS sections: every row whose TLS 1.1 and
TLS 1.0 columns say "No". The two post-quantum policies are the ones that page names as
serving "TLS 1.3 only or TLS 1.2 only" clients besides PQ-TLS ones. A policy AWS adds later is
refused until it is added here from that table.
"""

from __future__ import annotations

# The program's default: TLS 1.3 and 1.2, AWS's recommended general-purpose policy.
DEFAULT_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"

TLS12_POLICIES: tuple[str, ...] = (
    # "TLS security policies" table
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    DEFAULT_TLS_POLICY,
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    # "FIPS security policies" table (TLS13-1-1-FIPS and TLS13-1-0-FIPS allow 1.1 and 1.0)
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    # "FS supported policies" table
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    # Hybrid post-quantum key exchange, TLS 1.3 and 1.2
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
)


def is_tls12_or_newer(policy: object) -> bool:
    """True for a security policy that refuses TLS 1.0 and 1.1 (an entry of TLS12_POLICIES)."""
    return policy in TLS12_POLICIES


def allowed_policies_text() -> str:
    """The allow-list for an error message, in the tables' order."""
    return ", ".join(TLS12_POLICIES)
