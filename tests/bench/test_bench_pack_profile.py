"""bench/pack_profile.py: where `pulumi policy analyze` spends the pack's Python time (T7).

The buckets follow pulumi-policy 1.21.0's analyzer (policy.py): `_PolicyAnalyzerServicer.Analyze`
converts a request's properties at lines 997-1001, inside its loop over the policies, and
`AnalyzeStack` converts and links every resource at lines 1047-1088, inside its loop over the
stack policies. Samples are py-spy's raw output ("function (file:line)" frames, root first).
The run through the real CLI checks the tool's output, never its timings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import pack_profile
from bench.pack_profile import BUCKETS, PROFILED_PACKS, bucket
from testkit.uvicorn_process import REPO

ROOT = "_run_module_as_main (<frozen runpy>:198)"
THREAD = (
    "_bootstrap (threading.py:995);run (threading.py:975);_worker (concurrent/futures/thread.py:83)"
)
CALL = "_call_behavior (grpc/_server.py:610)"
ANALYZE = "_PolicyAnalyzerServicer.Analyze (pulumi_policy/policy.py:{line})"
STACK = "_PolicyAnalyzerServicer.AnalyzeStack (pulumi_policy/policy.py:{line})"


def sample(*frames: str) -> list[str]:
    return ";".join(frames).split(";")


@pytest.mark.parametrize(
    ("frames", "expected"),
    [
        ((ROOT, "_find_and_load (<frozen importlib._bootstrap>:1176)"), "start"),
        # A rule, called by the analyzer: ours, wherever the analyzer called it from.
        (
            (
                THREAD,
                CALL,
                STACK.format(line=1092),
                "validate (policy/fargate_policies/framework.py:390)",
            ),
            "rules",
        ),
        (
            (
                THREAD,
                CALL,
                ANALYZE.format(line=997),
                "MessageToDict (google/protobuf/json_format.py:140)",
            ),
            "conversion",
        ),
        ((THREAD, CALL, STACK.format(line=1053)), "conversion"),  # PolicyResource(...), inline
        ((THREAD, CALL, STACK.format(line=1092)), "analyzer"),  # policy.validate's own line
        (
            (
                THREAD,
                CALL,
                "_props (bench/convert_once.py:86)",
                "deserialize_properties (pulumi_policy/deserialize.py:30)",
            ),
            "conversion",
        ),
        ((THREAD, CALL), "grpc"),
        (("compile (re/__init__.py:227)",), "other"),
    ],
    ids=[
        "import",
        "rule",
        "message-to-dict",
        "stack-conversion-line",
        "analyzer",
        "convert-once",
        "grpc",
        "other",
    ],
)
def test_each_sample_goes_to_the_bucket_its_frames_name(
    frames: tuple[str, ...], expected: str
) -> None:
    assert bucket(sample(*frames)) == expected


def test_a_raw_profile_sums_to_its_samples(tmp_path: Path) -> None:
    raw = tmp_path / "pack.raw"
    raw.write_text(
        f"{ROOT};_find_and_load (<frozen importlib._bootstrap>:1176) 7\n"
        f"{THREAD};{CALL};{STACK.format(line=1053)} 5\n"
        f"{THREAD};{CALL} 3\n"
    )
    summary = pack_profile.summarise(pack_profile.read_raw(raw), rate=100)
    assert summary["samples"] == 15 and summary["seconds"] == 0.15
    counts = {key: figures["samples"] for key, figures in summary["buckets"].items()}
    assert counts == {"start": 7, "rules": 0, "conversion": 5, "analyzer": 0, "grpc": 3, "other": 0}


@pytest.mark.cli
@pytest.mark.slow
@pytest.mark.usefixtures("pulumi_cli")
def test_the_profile_of_a_small_stack_is_well_formed(tmp_path: Path) -> None:
    """The tool as scripts/bench.sh runs it (its own process, the real CLI, py-spy), on 100
    resources and one round of turns."""
    out = tmp_path / "profile.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.pack_profile",
            "--size",
            "100",
            "--rounds",
            "1",
            "--out",
            str(out),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'policy'}"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["resources"] == 100 and set(results["packs"]) == set(PROFILED_PACKS)
    for pack, profile in results["packs"].items():
        figures = profile["buckets"]
        assert list(figures) == [key for key, _ in BUCKETS], pack
        assert sum(b["samples"] for b in figures.values()) == profile["samples"] > 0, pack
        assert sum(b["share"] for b in figures.values()) == pytest.approx(1.0), pack
        assert figures["start"]["samples"] > 0, f"{pack}: the profile missed the pack's start"
        assert profile["runs"] == len(profile["wall_seconds_profiled"]) == 1, pack
    packs = results["packs"]
    assert packs["hollow"]["buckets"]["rules"]["samples"] == 0  # it runs none of our code
    assert packs["noop"]["buckets"]["rules"]["samples"] == 0
    # A tenth of the 13-resource units carries a violation; the convert-once analyzer finds
    # exactly what the SDK's own finds.
    assert packs["ours"]["violations"] == packs["convert-once"]["violations"] > 0
    compared = results["convert_once"]
    assert {pack: len(runs) for pack, runs in compared["samples"].items()} == {
        "ours": 1,
        "convert-once": 1,
        "noop": 1,
    }
    assert "## Where the pack's time goes (T7)" in done.stdout
