"""A pytest plugin that records every policy run of the test harness into the behaviour corpus.

`python -m tests.behaviour capture policy` runs tests/policy with `-p tests.behaviour.record_plugin`
and RECORD_ENV naming the recording file; loaded that way, this module adds the corpus recorder
to the harness's observers (testkit.policy_harness.observe). A normal test run never loads it,
so nothing is recorded, and testkit never imports tests/.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from testkit import policy_harness
from testkit.policy_harness import Outcome, Resource
from tests.behaviour.policy_corpus import record

RECORD_ENV = "BEHAVIOUR_POLICY_RECORD"


@dataclass(frozen=True)
class CorpusRecorder:
    """A harness observer appending each policy run to the recording at `path`."""

    path: str

    def __call__(
        self,
        kind: str,
        policy_name: str,
        resources: list[Resource],
        config: Mapping[str, Any] | None,
        outcome: Outcome,
    ) -> None:
        record(self.path, kind, policy_name, resources, config=config, outcome=outcome)


def pytest_configure() -> None:
    path = os.environ.get(RECORD_ENV)
    if not path:
        raise RuntimeError(f"{__name__} records into the file ${RECORD_ENV} names; it is unset")
    policy_harness.observe(CorpusRecorder(path))
