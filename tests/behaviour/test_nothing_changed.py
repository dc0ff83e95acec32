"""Nothing changed: the current tree behaves as the committed baseline (tests/behaviour/baseline)
records, part by part (issue 16, "How to know nothing changed").

- stacks: every resource the program registers per stack under the Pulumi mocks, with its
  options and inputs, and the stack's exports and warnings;
- policy: every recorded input of the policy tests' corpus, replayed through the current pack,
  gives the same findings (message, URN, skip notes, enforcement level);
- plans: the offline preview of each stack with the real CLI plans the same resources with the
  same ops, goals and unknown outputs (marked `cli`, like the other real-CLI tests).

A failure lists each changed path, "before -> now". If the change is INTENDED (not in a
restructuring), refresh the baseline and review its diff:

    .venv/bin/python -m tests.behaviour capture [stacks|policy|plans]
"""

from __future__ import annotations

import pytest

from tests.behaviour import capture
from tests.behaviour.compare import compare_plans, compare_policy, compare_stacks
from tests.behaviour.diff import report


def test_stacks_under_the_mocks_are_unchanged() -> None:
    lines = compare_stacks(capture.read("stacks"), capture.capture_stacks())
    assert not lines, report("stacks", lines)


def test_policy_findings_on_the_corpus_are_unchanged() -> None:
    corpus = capture.read("policy")
    assert len(corpus["cases"]) > 1000  # the corpus, not an empty file that passes
    lines = compare_policy(corpus)
    assert not lines, report("policy", lines)


@pytest.mark.cli
@pytest.mark.slow
@pytest.mark.usefixtures("pulumi_cli")
def test_offline_preview_plans_are_unchanged() -> None:
    lines = compare_plans(capture.read("plans"), capture.capture_plans())
    assert not lines, report("plans", lines)
