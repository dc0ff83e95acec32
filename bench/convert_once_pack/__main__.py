"""The project's policies, served by an analyzer that converts each request once for all
policies (bench/convert_once.py; bench/pack_profile.py compares it with the no-op pack)."""

import sys
from pathlib import Path

# The repository (for bench/) and the pack's own modules, as its __main__ imports them: the
# language host runs this file from bench/convert_once_pack, so neither is on the path by itself.
REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "policy")]

from bench import convert_once  # noqa: E402 (importable from here on)
from bench.pack_baselines import serve  # noqa: E402
from fargate_policies.catalog import ALL_POLICIES, PACK_NAME  # noqa: E402

convert_once.install()
serve(PACK_NAME, ALL_POLICIES)
