"""A pytest plugin that records every policy run of the test harness into the behaviour corpus.

`python -m tests.behaviour capture policy` runs tests/policy with `-p tests.behaviour.record_plugin`
and RECORD_ENV naming the recording file; loaded that way, this module adds the corpus recorder
to the harness's observers (testkit.policy_harness.observe). A normal test run never loads it,
so nothing is recorded, and testkit never imports tests/.
"""

from __future__ import annotations

import os
from functools import partial

from testkit import policy_harness
from tests.behaviour.policy_corpus import record

RECORD_ENV = "BEHAVIOUR_POLICY_RECORD"


def pytest_configure() -> None:
    path = os.environ.get(RECORD_ENV)
    if not path:
        raise RuntimeError(f"{__name__} records into the file ${RECORD_ENV} names; it is unset")
    policy_harness.observe(partial(record, path))
