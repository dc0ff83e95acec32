"""The behaviour guard for restructurings (issue 16, "How to know nothing changed").

A baseline in `baseline/` (committed, one JSON file per part, sorted keys) records what the
repository does; `test_nothing_changed.py` compares the current tree with it, part by part:

- `stacks.json`: per stack, every resource the program registers under the Pulumi mocks
  (testkit/program_capture.py), with its options and inputs, and the stack's exports;
- `policy.json`: every input the policy tests feed the pack through testkit/policy_harness.py,
  deduplicated, with the findings it produced (replayed through the current pack);
- `plans.json`: per stack, the plan of the offline preview (scripts/offline-preview.sh with the
  real CLI): each resource URN, its ops, its inputs and which outputs are unknown.

After an INTENDED behaviour change, refresh the baseline deliberately and review its diff:

    .venv/bin/python -m tests.behaviour capture            # all three parts
    .venv/bin/python -m tests.behaviour capture policy     # or only some: stacks policy plans
"""
