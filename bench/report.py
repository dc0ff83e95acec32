"""Turns one run's measurements into targets (PASS/FAIL), a markdown table, a chart and JSON.

Every target is a ratio of two figures measured side by side in the same run (issue 17), so the
noise of a shared machine falls on both. Targets and markdown sections are built by lists of
small functions (TARGET_GROUPS, SECTIONS): another benchmark adds its own beside these.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import pack_profile
from bench.image_bench import STDLIB_WITHOUT_BYTECODE
from bench.rollout import report as rollout_report
from bench.servers import ADD_PATH
from bench.service_bench import FRAMEWORK_FLOOR, ONE_CPU, SHARED_CPUS, paired_ratio
from testkit.uvicorn_process import LIVENESS_URL_PATH

SERVER_KEYS = ("ours", "anchor", "bound", "bare")
# Servers ours is compared with in the service table, in column order.
BASES = ("anchor", "bound", "bare")
# Load phases (bench.service_bench): suffix of their ratio keys, and how tables name them.
PHASE_SUFFIX = {SHARED_CPUS: "", ONE_CPU: "_one_cpu"}
PHASE_NAME = {SHARED_CPUS: "", ONE_CPU: ", server on 1 CPU"}
PATHS = ((LIVENESS_URL_PATH, "liveness"), (ADD_PATH, "add"))
# Per-burst load figures with a paired ratio each, and the short name in its ratio key.
LOAD_FIGURES = (
    ("requests_per_second", "rps"),
    ("p99_latency_ms", "p99"),
    ("server_cpu_us_per_request", "cpu"),
)
POLICY_T6_SIZES = ("1000", "10000")


@dataclass(frozen=True)
class Target:
    key: str  # "T1".."T8", as issue 17 numbers them
    name: str
    measured: float | None  # None: not measured in this run
    limit: float
    at_most: bool  # True: measured <= limit passes; False: measured >= limit passes
    unit: str = "x"
    note: str = ""

    @property
    def result(self) -> str:
        if self.measured is None:
            return "NOT MEASURED"
        ok = self.measured <= self.limit if self.at_most else self.measured >= self.limit
        return "PASS" if ok else "FAIL"

    def shown(self) -> str:
        if self.measured is None:
            return "-"
        return f"{self.measured:.3g}{self.unit}" if self.unit else f"{self.measured:g}"

    def line(self) -> str:
        sign = "<=" if self.at_most else ">="
        line = (
            f"{self.result:<12} {self.key} {self.name}: {self.shown()}"
            f" (target {sign} {self.limit:g}{self.unit})"
        )
        return f"{line}; {self.note}" if self.note else line


def service_ratios(service: dict[str, Any]) -> dict[str, float]:
    """ours / each base for memory and start, and paired ratios of every load figure."""
    servers = service["servers"]
    ours = servers["ours"]
    ratios: dict[str, float] = {}
    for base in BASES:
        if base not in servers:
            continue
        theirs = servers[base]
        for figure in ("idle_rss_mib", "idle_pss_mib", "seconds_to_healthy", "loaded_rss_mib"):
            name = figure.removesuffix("_mib").replace("seconds_to_healthy", "start")
            ratios[f"{name}_ours_over_{base}"] = ours[figure] / theirs[figure]
        for phase in ours["bursts"]:
            suffix = PHASE_SUFFIX[phase]
            for path, label in PATHS:
                if path not in theirs["bursts"][phase]:
                    continue
                for figure, short in LOAD_FIGURES:
                    if figure not in theirs["bursts"][phase][path][0]:
                        continue  # a run from before the figure was measured
                    ratios[f"{label}_{short}_ours_over_{base}{suffix}"] = paired_ratio(
                        servers, "ours", base, path, figure, phase=phase
                    )
    return ratios


# --- Targets ----------------------------------------------------------------------------------


# Issue 17's targets: what each compares, its limit, and whether the ratio must stay at most
# (True) or at least (False) that limit. T6 is measured at two sizes.
LIMITS: dict[str, tuple[str, float, bool]] = {
    "T1": ("liveness req/s, ours / raw-ASGI bound (paired bursts)", 0.8, False),
    "T2": ("idle RSS, ours / gunicorn anchor (all processes)", 0.5, True),
    "T3": ("start to first healthy response in the built image, ours / bare FastAPI", 1.10, True),
    "T4": (
        "`/math/add` req/s with the JSON access log on, ours / bare FastAPI, one CPU",
        0.85,
        False,
    ),
    "T5": ("`/math/add` p99, ours / bare FastAPI, one CPU", 1.3, True),
    "T6": ("the pack's own time / the SDK's argument objects, {size} resources", 1.0, True),
    "T7": ("`pulumi policy analyze --file`, 1,000 resources, ours / a no-op pack", 1.25, True),
    "T8": ("offline preview of dev, with the pack / without", 1.15, True),
}


def _target(key: str, measured: float | None, note: str = "", **name_fields: str) -> Target:
    name, limit, at_most = LIMITS[key]
    return Target(key, name.format(**name_fields), measured, limit, at_most, note=note)


def _service_targets(results: dict[str, Any]) -> list[Target]:
    ratios = results.get("ratios", {})
    return [
        _target("T1", ratios.get("liveness_rps_ours_over_bound")),
        _target("T2", ratios.get("idle_rss_ours_over_anchor")),
        _target("T4", ratios.get("add_rps_ours_over_bare_one_cpu"), _cpu_note(results)),
        _target("T5", ratios.get("add_p99_ours_over_bare_one_cpu")),
    ]


def _cpu_note(results: dict[str, Any]) -> str:
    """The servers' own CPU per /math/add request beside T4's req/s: the same comparison,
    untouched by other work taking the server's CPU during a burst."""
    cpu = results.get("ratios", {}).get("add_cpu_ours_over_bare_one_cpu")
    if cpu is None:
        return ""
    servers = results["service"]["servers"]
    each = {
        key: servers[key]["endpoints_by_phase"][ONE_CPU][ADD_PATH]["server_cpu_us_per_request"]
        for key in ("ours", "bare")
    }
    return (
        f"server CPU per request: ours {each['ours']:.1f} µs, bare {each['bare']:.1f} µs"
        f" (bare ÷ ours {1 / cpu:.3f}, the req/s ratio's counterpart)"
    )


def _image_targets(results: dict[str, Any]) -> list[Target]:
    def describe(seconds: dict[str, float]) -> str:
        return (
            f"ours {seconds['ours']:.3f} s, bare {seconds['bare']:.3f} s; `buildah run true`"
            f" alone {seconds['container_alone']:.3f} s of each"
        )

    return [_part_target("T3", results.get("image"), "ours_over_bare", describe)]


def _part_target(
    key: str, part: dict[str, Any] | None, ratio: str, describe: Callable[[dict], str]
) -> Target:
    """The target `key` from one part's ratio, noted with its median seconds."""
    measured = (part or {}).get(ratio)
    return _target(key, measured, describe(part["seconds"]) if part and measured else "")


def _policy_targets(results: dict[str, Any]) -> list[Target]:
    policy = results.get("policy") or {}
    in_process = policy.get("in_process", {})
    found = []
    for size in POLICY_T6_SIZES:
        figures = in_process.get(size)
        note = ""
        if figures:
            note = (
                f"pack {figures['pack_seconds']:.3f} s, SDK objects {figures['sdk_seconds']:.3f}"
                " s (CPU, medians)"
            )
            if "pack_over_sdk_quartiles" in figures:
                low, high = figures["pack_over_sdk_quartiles"]
                note += f"; middle half of {figures['pairs']} pairs {low:.2f}x to {high:.2f}x"
        measured = figures["pack_over_sdk"] if figures else None
        found.append(_target("T6", measured, note, size=f"{int(size):,}"))
    compared = (policy.get("cli") or {}).get("noop_comparison")
    note = ""
    if compared:
        note = (
            f"ours {compared['seconds']['ours']:.2f} s, no-op pack"
            f" {compared['seconds']['noop']:.2f} s (wall, medians); ours ÷ hollow pack"
            f" {compared['ours_over_hollow']:.2f}x,"
            f" hollow ÷ no-op {compared['hollow_over_noop']:.2f}x"
        )
    once = ((policy.get("profile") or {}).get("convert_once") or {}).get("convert_once_over_noop")
    if compared and once is not None:
        note += f"; the SDK converting once per request (bench only): {once:.2f}x"
    found.append(_target("T7", compared["ours_over_noop"] if compared else None, note))
    return found


def _preview_targets(results: dict[str, Any]) -> list[Target]:
    def describe(seconds: dict[str, float]) -> str:
        return f"with {seconds['with_pack']:.2f} s, without {seconds['without_pack']:.2f} s"

    return [_part_target("T8", results.get("preview"), "with_over_without", describe)]


def _errors_target(results: dict[str, Any]) -> list[Target]:
    name = "errors under load, every server (non-2xx + socket errors)"
    service = results.get("service")
    if not service:
        return [Target("E", name, None, 0, at_most=True, unit="")]
    counts = {key: server["errors"] for key, server in service["servers"].items()}
    note = ", ".join(f"{key} {count}" for key, count in counts.items())
    return [Target("E", name, sum(counts.values()), 0, at_most=True, unit="", note=note)]


TargetGroup = Callable[[dict[str, Any]], list[Target]]
TARGET_GROUPS: list[TargetGroup] = [
    _service_targets,
    _image_targets,
    _policy_targets,
    _preview_targets,
    _errors_target,
]


def targets(results: dict[str, Any]) -> list[Target]:
    found = [target for group in TARGET_GROUPS for target in group(results)]
    return sorted(found, key=lambda target: (target.key == "E", target.key))  # T1..T8, then E


# --- Markdown ---------------------------------------------------------------------------------


def markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    parts = [
        "# Benchmark results",
        "",
        f"Run {results['generated']} on {machine['cpus']} CPUs at nice {machine['nice']}"
        " (a shared machine: read the ratios, measured side by side in this run, before the"
        " absolute figures). Command: `scripts/bench.sh`.",
        "",
        f"- `uptime` before: `{machine.get('uptime_before', '?')}`",
        f"- `uptime` after: `{machine.get('uptime_after', '?')}`",
        "",
        "## Targets",
        "",
        "| | target | measured | target | result | note |",
        "|---|---|---|---|---|---|",
    ]
    for target in results["targets"]:
        found = Target(**{k: v for k, v in target.items() if k != "result"})
        sign = "≤" if found.at_most else "≥"
        parts.append(
            f"| {found.key} | {found.name} | {found.shown()} | {sign} {found.limit:g}{found.unit}"
            f" | {found.result} | {found.note} |"
        )
    for section in SECTIONS:
        parts += ["", *section(results)]
    return "\n".join(parts) + "\n"


def _service_markdown(results: dict[str, Any]) -> list[str]:
    service = results.get("service")
    if not service:
        return ["## Service", "", f"Not run: {results.get('service_skipped', 'not requested')}."]
    settings = service["settings"]
    servers = [service["servers"][key] for key in SERVER_KEYS if key in service["servers"]]
    bases = [base for base in BASES if base in service["servers"]]
    ratios = results["ratios"]

    def row(name: str, figure: Callable[[dict], Any], fmt: str, ratio: str | None) -> str:
        cells = [_cell(figure(server), fmt) for server in servers]
        cells += [_ratio(ratios.get(ratio.format(base=base))) if ratio else "" for base in bases]
        return f"| {name} | " + " | ".join(cells) + " |"

    lines = [
        "## Service",
        "",
        f"127.0.0.1, each server started fresh. Start and idle memory: median of"
        f" {settings['start_trials']} starts each, in turns. Load: wrk -t{settings['threads']}"
        f" -c{settings['connections']}, {settings['seconds']} s bursts after a"
        f" {settings['warmup_seconds']} s warm-up, servers in turns, median of"
        f" {settings['rounds']} rounds; ratios of req/s and p99 are medians of per-round ratios.",
        "",
        "| figure | "
        + " | ".join(server["label"] for server in servers)
        + " | "
        + " | ".join(f"ours ÷ {base}" for base in bases)
        + " |",
        "|---|" + "---|" * (len(servers) + len(bases)),
        row("processes", lambda s: s["processes"], "{:d}", None),
        row(
            "idle RSS, all processes (MiB)",
            lambda s: s["idle_rss_mib"],
            "{:.1f}",
            "idle_rss_ours_over_{base}",
        ),
        row(
            "idle PSS, all processes (MiB)",
            lambda s: s["idle_pss_mib"],
            "{:.1f}",
            "idle_pss_ours_over_{base}",
        ),
        row(
            "start to first healthy response (s)",
            lambda s: s["seconds_to_healthy"],
            "{:.3f}",
            "start_ours_over_{base}",
        ),
    ]
    for phase in servers[0]["endpoints_by_phase"]:
        suffix, named = PHASE_SUFFIX[phase], PHASE_NAME[phase]
        for path, label in PATHS:

            def figure(server: dict, key: str, path: str = path, phase: str = phase) -> Any:
                return server["endpoints_by_phase"][phase].get(path, {}).get(key)

            lines.append(
                row(
                    f"`{path}` req/s{named}",
                    lambda s, f=figure: f(s, "requests_per_second"),
                    "{:,.0f}",
                    f"{label}_rps_ours_over_{{base}}{suffix}",
                )
            )
            lines.append(
                row(
                    f"`{path}` p99 latency (ms){named}",
                    lambda s, f=figure: f(s, "p99_latency_ms"),
                    "{:.1f}",
                    f"{label}_p99_ours_over_{{base}}{suffix}",
                )
            )
            lines.append(
                row(
                    f"`{path}` server CPU per request (µs){named}",
                    lambda s, f=figure: f(s, "server_cpu_us_per_request"),
                    "{:.1f}",
                    f"{label}_cpu_ours_over_{{base}}{suffix}",
                )
            )
    lines += [
        row(
            "RSS after load, all processes (MiB)",
            lambda s: s["loaded_rss_mib"],
            "{:.1f}",
            "loaded_rss_ours_over_{base}",
        ),
        row("errors (non-2xx + socket errors)", lambda s: s["errors"], "{:d}", None),
        "",
        *_imports_markdown(service),
        "n/a: the bound answers liveness only. *bare*: bench/bare_fastapi.py, the same"
        " `/math/add` route on FastAPI alone (no middleware, no access log) and liveness as an"
        " ordinary route; ours writes its JSON access line for every `/math/add` request to a"
        " file, as in every load phase. RSS counts pages shared between a supervisor and its"
        " workers once per process; PSS divides them among the processes sharing them."
        " *server on 1 CPU*: every process of the server pinned to one CPU and wrk to the other,"
        " as in a task with one vCPU; the anchor's formula still counts the host's CPUs, so its"
        " workers share that one CPU.",
    ]
    return lines


def _cell(value: Any, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def _imports_markdown(service: dict[str, Any]) -> list[str]:
    """Where a start goes: fresh interpreters importing one more layer each, beside the starts,
    with what each interpreter saw (CPU, page faults, preemptions, modules without bytecode)."""
    imports = service.get("imports")
    if not imports:
        return []
    lines = [
        "",
        "Where a start goes (fresh interpreter, image ENV, median of as many runs as starts)."
        " Wall time far above CPU time with many involuntary switches is load (runnable, not"
        " running); major faults are files read from disk (a cold page cache); modules without"
        " bytecode are compiled at every start (PYTHONDONTWRITEBYTECODE keeps it unwritten):",
        "",
        "| probe | wall (s) | added by this layer (s) | CPU (s) | major faults"
        " | involuntary switches | modules | without bytecode |",
        "|---|---|---|---|---|---|---|---|",
    ]
    previous = None
    for label, f in imports.items():
        added = "" if previous is None else f"{f['seconds'] - previous:+.3f}"
        previous = f["seconds"]
        lines.append(
            f"| `{label}` | {f['seconds']:.3f} | {added} | {f.get('cpu_seconds', 0):.3f}"
            f" | {f.get('major_faults', 0):.0f} | {f.get('involuntary_switches', 0):.0f}"
            f" | {f.get('modules', 0):.0f} | {f.get('without_bytecode', 0):.0f} |"
        )
    floor = imports.get(FRAMEWORK_FLOOR)
    if floor:
        lines += ["", f"(`{FRAMEWORK_FLOOR}` is the floor under any FastAPI service's start.)"]
    return [*lines, ""]


def _image_markdown(results: dict[str, Any]) -> list[str]:
    image = results.get("image") or {"skipped": results.get("image_skipped", "not run")}
    lines = ["## Start in the built image", ""]
    if "skipped" in image:
        return [*lines, f"Skipped: {image['skipped']}"]
    samples, seconds, first = image["samples"], image["seconds"], image["first_seconds"]
    lines += [
        f"`scripts/build-image.sh` image `{image['image']}`; each start a `buildah run` of the"
        " image's CMD (its ENV, USER 1000, WORKDIR and bytecode) in a private network namespace,"
        " timed from launch to the first 200 from `/healthz`; the bare app is"
        " bench/bare_fastapi.py copied into the image and compiled as the Dockerfile compiles"
        " the app, started by the same CMD with only the APP argument changed. Turns alternate;"
        " one untimed start of each first. `buildah run true` is the container start alone.",
        "",
        "| started | CMD | median (s) | starts (s) | first start (s) |",
        "|---|---|---|---|---|",
    ]
    for key in image["commands"]:
        runs = ", ".join(f"{value:.3f}" for value in samples[key])
        lines.append(
            f"| {key} | `{' '.join(image['commands'][key])}` | {seconds[key]:.3f} | {runs}"
            f" | {first[key]:.3f} |"
        )
    alone = ", ".join(f"{value:.3f}" for value in samples["container_alone"])
    lines += [
        f"| container alone | `true` | {seconds['container_alone']:.3f} | {alone} | |",
        "",
        f"ours ÷ bare (median of per-turn ratios): {image['ours_over_bare']:.3f}x.",
    ]
    if "stdlib_uncompiled_over_ours" in image:
        lines += [
            "",
            f"*{STDLIB_WITHOUT_BYTECODE}*: ours in a second working container whose standard"
            f" library's {image['stdlib_bytecode_removed']} .pyc files were deleted, as the"
            " official python base image ships it (docker-library/python deletes every *.pyc"
            " under /usr/local; the local stand-in base has Debian's): with"
            " PYTHONDONTWRITEBYTECODE and a read-only root filesystem, the standard library is"
            " compiled at every start. It over ours:"
            f" {image['stdlib_uncompiled_over_ours']:.3f}x.",
        ]
    return lines


def _policy_markdown(results: dict[str, Any]) -> list[str]:
    policy = results.get("policy")
    if not policy:
        return ["## Policy pack", "", f"Not run: {results.get('policy_skipped', 'not requested')}."]
    cli = policy["cli"]
    lines = [
        "## Policy pack",
        "",
        f"Synthetic stacks (bench/stacks.py), pack config `{policy['config']}`. In-process: every"
        " applicable resource policy on every resource and every stack policy on the stack, with"
        " the SDK's argument objects built per call as its analyzer builds them; CPU time,"
        " medians over *pairs* (at least"
        f" {policy['repeats']}, more at small sizes). *SDK objects alone* builds those same objects"
        " for the same calls without running a policy (the baseline, alternating with the"
        " evaluation, which of the two goes first alternating too; each side starts after a"
        " garbage collection and without the pack's remembered answers); *pack share* is the"
        " difference, and *pack ÷ SDK* the median of per-pair ratios (T6). CLI: wall"
        " time of `pulumi policy analyze --file <state> --policy-pack policy` (CLI start, the"
        " pack's own Python, gRPC, every policy on every resource).",
        "",
        "| resources | pairs | in-process (s) | ÷ previous size | SDK objects alone (s)"
        " | pack share (s) | pack ÷ SDK | CLI analyze (s) | violations found |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    previous = None
    for size, figures in policy["in_process"].items():
        growth = "" if previous is None else f"{figures['seconds'] / previous:.1f}x"
        previous = figures["seconds"]
        cli_row = cli.get(size)
        cli_cell = f"{cli_row['seconds']:.2f}" if cli_row else "skipped"
        violations = sum(figures["violations"].values())
        lines.append(
            f"| {int(size):,} | {figures.get('pairs', policy['repeats'])}"
            f" | {figures['seconds']:.3f} | {growth} | {figures['sdk_seconds']:.3f}"
            f" | {figures['pack_seconds']:.3f} | {figures['pack_over_sdk']:.2f}x | {cli_cell}"
            f" | {violations} |"
        )
    if "skipped" in cli:
        lines += ["", f"CLI rows skipped: {cli['skipped']}"]
    compared = cli.get("noop_comparison")
    if compared:
        samples = compared["samples"]

        def shown(pack: str) -> str:
            return ", ".join(f"{value:.2f}" for value in samples[pack])

        lines += [
            "",
            f"Through the CLI at {compared['resources']:,} resources, three packs in turns (T7):"
            f" ours {shown('ours')} s; *hollow*, ours with every check taken out"
            " (bench/hollow_pack: the same policies, levels and config schemas, each reporting"
            f" nothing) {shown('hollow')} s; *no-op*, one policy that reports nothing"
            f" (bench/noop_pack) {shown('noop')} s. Medians of per-round ratios: ours ÷ no-op"
            f" {compared['ours_over_noop']:.2f}x; ours ÷ hollow"
            f" {compared['ours_over_hollow']:.2f}x (what the rules cost); hollow ÷ no-op"
            f" {compared['hollow_over_noop']:.2f}x (what the SDK and the engine cost per policy).",
        ]
    return lines


def _preview_markdown(results: dict[str, Any]) -> list[str]:
    preview = results.get("preview") or {"skipped": results.get("preview_skipped", "not run")}
    lines = ["## Offline preview", ""]
    if "skipped" in preview:
        return [*lines, f"Skipped: {preview['skipped']}"]
    samples, seconds = preview["seconds_samples"], preview["seconds"]
    first = preview["first_run_seconds"]
    lines += [
        f"`scripts/offline-preview.sh {preview['stack']}` (engine, program, stand-in providers"
        " and the pack) against the same command with `OFFLINE_NO_POLICY_PACK=1`, in turns after"
        " one untimed run of each; the ratio is the median of per-pair ratios (T8).",
        "",
        "| run | warm wall time (s, median) | runs (s) | first run (s) |",
        "|---|---|---|---|",
    ]
    for variant in ("with_pack", "without_pack"):
        runs = ", ".join(f"{value:.2f}" for value in samples[variant])
        lines.append(
            f"| {variant.replace('_', ' ')} | {seconds[variant]:.2f} | {runs}"
            f" | {first[variant]:.2f} |"
        )
    return [*lines, "", f"with ÷ without: {preview['with_over_without']:.3f}x"]


Section = Callable[[dict[str, Any]], list[str]]
SECTIONS: list[Section] = [
    _service_markdown,
    _image_markdown,
    _policy_markdown,
    pack_profile.markdown,
    _preview_markdown,
]


# --- Chart ------------------------------------------------------------------------------------


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib  # noqa: PLC0415 (only the chart needs it; it is slow to import)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplot_mosaic(
        [["targets", "targets"], ["memory", "rate"], ["start", "policy"]],
        figsize=(13, 13),
        height_ratios=[1.1, 1, 1],
    )
    figure.suptitle(f"Benchmarks, {results['generated']} (medians; ratios in results.md)")
    _targets_chart(axes["targets"], results["targets"])
    service = results.get("service")
    if service:
        _memory_chart(axes["memory"], service)
        _rate_chart(axes["rate"], service)
        _start_chart(axes["start"], service, results.get("image"))
    else:
        for key in ("memory", "rate", "start"):
            axes[key].set_axis_off()
    if results.get("policy"):
        _policy_chart(axes["policy"], results["policy"])
    else:
        axes["policy"].set_axis_off()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _targets_chart(axis: Any, found: list[dict[str, Any]]) -> None:
    """Each ratio target as a bar, its limit as a black mark on the same row: green PASS, red
    FAIL, grey not measured. The error count is in the table, not here (it is not a ratio)."""
    ratios = [target for target in found if target["unit"] == "x"]
    rows = range(len(ratios))
    colors = {"PASS": "#3a9a4a", "FAIL": "#c8553d", "NOT MEASURED": "#bbbbbb"}
    values = [target["measured"] or 0 for target in ratios]
    axis.barh(list(rows), values, 0.6, color=[colors[t["result"]] for t in ratios])
    for row, target in zip(rows, ratios, strict=True):
        axis.plot([target["limit"]] * 2, [row - 0.4, row + 0.4], color="black", linewidth=2)
        sign = "≤" if target["at_most"] else "≥"
        shown = "-" if target["measured"] is None else f"{target['measured']:.2f}x"
        axis.text(
            max(values[row], target["limit"]) + 0.03,
            row,
            f"{shown}  (target {sign} {target['limit']:g}x, {target['result']})",
            va="center",
            fontsize=8,
        )
    axis.set_yticks(list(rows), [f"{t['key']} {t['name']}" for t in ratios], fontsize=8)
    axis.invert_yaxis()
    axis.set_xlim(0, max([*values, *(t["limit"] for t in ratios)]) * 1.5)
    axis.set_xlabel("ratio (black mark: target)")
    axis.set_title("Targets: each ratio against its target, measured side by side in one run")


_COLORS = {"ours": "#2a7ab9", "anchor": "#c8553d", "bound": "#8a8a8a", "bare": "#6a3d9a"}


def _short(server: dict[str, Any]) -> str:
    return server["label"].replace(" (", "\n(")


def _present(service: dict[str, Any]) -> list[str]:
    return [key for key in SERVER_KEYS if key in service["servers"]]


def _memory_chart(axis: Any, service: dict[str, Any]) -> None:
    keys = _present(service)
    servers = [service["servers"][key] for key in keys]
    positions = range(len(servers))
    rss = [s["idle_rss_mib"] for s in servers]
    pss = [s["idle_pss_mib"] for s in servers]
    axis.bar([p - 0.2 for p in positions], rss, 0.4, color=[_COLORS[key] for key in keys])
    axis.bar([p + 0.2 for p in positions], pss, 0.4, color="#d9d9d9")
    for position, value in zip(positions, rss, strict=True):
        axis.text(position - 0.2, value, f"{value:.0f}", ha="center", va="bottom")
    axis.set_xticks(list(positions), [_short(s) for s in servers])
    axis.set_ylabel("MiB, all processes")
    axis.set_title("Idle memory (lower is better)")
    axis.legend(["RSS", "PSS"], loc="upper left")


def _rate_chart(axis: Any, service: dict[str, Any]) -> None:
    servers = [service["servers"][key] for key in _present(service)]
    positions = range(len(servers))
    series = [
        (phase, path, f"{path}{PHASE_NAME[phase]}")
        for phase in servers[0]["endpoints_by_phase"]
        for path in (LIVENESS_URL_PATH, ADD_PATH)
    ]
    width = 0.8 / len(series)
    styles = {LIVENESS_URL_PATH: "#2a7ab9", ADD_PATH: "#e39b2d"}
    for number, (phase, path, label) in enumerate(series):
        offset = (number - (len(series) - 1) / 2) * width
        values = [
            s["endpoints_by_phase"][phase].get(path, {}).get("requests_per_second", 0)
            for s in servers
        ]
        hatch = "//" if phase == ONE_CPU else None
        axis.bar(
            [p + offset for p in positions],
            values,
            width,
            label=label,
            color=styles[path],
            hatch=hatch,
            edgecolor="white" if hatch else None,
        )
        for position, value in zip(positions, values, strict=True):
            text = f"{value / 1000:.1f}k" if value else "n/a"
            axis.text(position + offset, value, text, ha="center", va="bottom", fontsize=7)
    axis.set_xticks(list(positions), [_short(s) for s in servers])
    axis.set_ylabel("requests/s")
    axis.set_title("Throughput, wrk -c32 (higher is better)")
    axis.legend(loc="upper left", fontsize=7)


def _start_chart(axis: Any, service: dict[str, Any], image: dict[str, Any] | None) -> None:
    """Local starts of every server, and the in-image starts of ours and bare (T3) beside."""
    keys = _present(service)
    bars = [
        (
            service["servers"][key]["label"],
            service["servers"][key]["seconds_to_healthy"],
            [s["seconds_to_healthy"] for s in service["servers"][key]["start_samples"]],
            _COLORS[key],
        )
        for key in keys
    ]
    if image and "seconds" in image:
        for key in ("ours", "bare"):
            bars.append(
                (f"{key} (in image)", image["seconds"][key], image["samples"][key], _COLORS[key])
            )
    for position, (_label, value, samples, color) in enumerate(bars):
        axis.bar(position, value, 0.5, color=color, alpha=0.6 if "image" in _label else 1.0)
        axis.plot([position + 0.3] * len(samples), samples, "k.", alpha=0.5)
        axis.text(position, value, f"{value:.2f} s", ha="center", va="bottom", fontsize=8)
    axis.set_xticks(
        range(len(bars)), [label.replace(" (", "\n(") for label, *_ in bars], fontsize=7
    )
    axis.set_ylabel("seconds (dots: each start)")
    axis.set_title("Start to first healthy response (lower is better)")


def _policy_chart(axis: Any, policy: dict[str, Any]) -> None:
    in_process = policy["in_process"]
    sizes = [int(size) for size in in_process]
    axis.loglog(sizes, [in_process[str(s)]["seconds"] for s in sizes], "o-", label="in-process")
    axis.loglog(
        sizes,
        [in_process[str(s)]["sdk_seconds"] for s in sizes],
        "s--",
        color="#8a8a8a",
        label="SDK objects alone (baseline)",
    )
    cli_sizes = [s for s in sizes if str(s) in policy["cli"]]
    if cli_sizes:
        cli_seconds = [policy["cli"][str(s)]["seconds"] for s in cli_sizes]
        axis.loglog(cli_sizes, cli_seconds, "^-", color="#c8553d", label="pulumi policy analyze")
    compared = policy["cli"].get("noop_comparison")
    if compared:
        axis.loglog(
            [compared["resources"]],
            [compared["seconds"]["noop"]],
            "v",
            color="#6a3d9a",
            label="no-op pack through the CLI",
        )
    first = sizes[0]
    linear = [in_process[str(first)]["seconds"] * s / first for s in sizes]
    axis.loglog(sizes, linear, ":", color="black", linewidth=1, label="linear from smallest")
    axis.set_xlabel("resources in the stack")
    axis.set_ylabel("seconds")
    axis.set_title("Policy pack evaluation (lower is better)")
    axis.legend(loc="lower right", fontsize=8)


# --- Writing ----------------------------------------------------------------------------------


def write(results: dict[str, Any], out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / "results.json",
        "markdown": out / "results.md",
        "chart": out / "results.png",
    }
    paths["json"].write_text(json.dumps(results, indent=2) + "\n")
    # The rollout rehearsal's section (scripts/rollout-rehearsal.sh) survives a benchmark run.
    rollout = rollout_report.section_from(out)
    paths["markdown"].write_text(markdown(results) + (f"\n{rollout}" if rollout else ""))
    chart(results, paths["chart"])
    return paths


def finish(results: dict[str, Any]) -> list[Target]:
    """Adds ratios and targets to `results` and returns the targets."""
    if results.get("service"):
        results["ratios"] = service_ratios(results["service"])
    found = targets(results)
    results["targets"] = [asdict(t) | {"result": t.result} for t in found]
    return found
