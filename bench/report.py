"""Turns one run's measurements into targets (PASS/FAIL), a markdown table, a chart and JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.rollout import report as rollout_report
from bench.servers import ADD_PATH
from bench.service_bench import FRAMEWORK_FLOOR, ONE_CPU, SHARED_CPUS, paired_ratio
from tests.support.uvicorn_process import LIVENESS_URL_PATH

SERVER_KEYS = ("ours", "anchor", "bound")
# Load phases (bench.service_bench): suffix of their ratio keys, and how tables name them.
PHASE_SUFFIX = {SHARED_CPUS: "", ONE_CPU: "_one_cpu"}
PHASE_NAME = {SHARED_CPUS: "", ONE_CPU: ", server on 1 CPU"}


@dataclass(frozen=True)
class Target:
    name: str
    measured: float | None  # None: not measured in this run
    limit: float
    at_most: bool  # True: measured <= limit passes; False: measured >= limit passes
    unit: str
    note: str = ""

    @property
    def result(self) -> str:
        if self.measured is None:
            return "NOT MEASURED"
        ok = self.measured <= self.limit if self.at_most else self.measured >= self.limit
        return "PASS" if ok else "FAIL"

    def line(self) -> str:
        sign = "<=" if self.at_most else ">="
        shown = "-" if self.measured is None else f"{self.measured:.3g}{self.unit}"
        line = f"{self.result:<12} {self.name}: {shown} (target {sign} {self.limit:g}{self.unit})"
        return f"{line}; {self.note}" if self.note else line


def service_ratios(service: dict[str, Any]) -> dict[str, float]:
    servers = service["servers"]
    ours, anchor, bound = (servers[key] for key in SERVER_KEYS)
    ratios = {
        "idle_rss_ours_over_anchor": ours["idle_rss_mib"] / anchor["idle_rss_mib"],
        "idle_pss_ours_over_anchor": ours["idle_pss_mib"] / anchor["idle_pss_mib"],
        "idle_rss_ours_over_bound": ours["idle_rss_mib"] / bound["idle_rss_mib"],
        "start_ours_over_anchor": ours["seconds_to_healthy"] / anchor["seconds_to_healthy"],
        "start_ours_over_bound": ours["seconds_to_healthy"] / bound["seconds_to_healthy"],
        "loaded_rss_ours_over_anchor": ours["loaded_rss_mib"] / anchor["loaded_rss_mib"],
    }
    rate = "requests_per_second"
    for phase in ours["bursts"]:
        suffix = PHASE_SUFFIX[phase]
        ratios[f"liveness_rps_ours_over_bound{suffix}"] = paired_ratio(
            servers, "ours", "bound", LIVENESS_URL_PATH, rate, phase=phase
        )
        for path, label in ((LIVENESS_URL_PATH, "liveness"), (ADD_PATH, "add")):
            for figure, name in ((rate, "rps"), ("p99_latency_ms", "p99")):
                ratios[f"{label}_{name}_ours_over_anchor{suffix}"] = paired_ratio(
                    servers, "ours", "anchor", path, figure, phase=phase
                )
    return ratios


def targets(results: dict[str, Any]) -> list[Target]:
    service, policy = results.get("service"), results.get("policy")
    ratios = results.get("ratios", {})
    ours = service["servers"]["ours"] if service else None
    in_process = policy["in_process"] if policy else {}
    big, mid = in_process.get("10000"), in_process.get("1000")
    return [
        Target(
            "liveness req/s, ours / raw-ASGI bound (paired bursts)",
            ratios.get("liveness_rps_ours_over_bound"),
            0.8,
            at_most=False,
            unit="x",
        ),
        Target(
            "idle RSS, ours / gunicorn anchor (all processes)",
            ratios.get("idle_rss_ours_over_anchor"),
            0.5,
            at_most=True,
            unit="x",
        ),
        Target(
            "start to first healthy response, ours",
            ours["seconds_to_healthy"] if ours else None,
            0.3,
            at_most=True,
            unit=" s",
            note=_import_floor_note(service),
        ),
        Target(
            "in-process evaluation of 10,000 resources",
            big["seconds"] if big else None,
            2.0,
            at_most=True,
            unit=" s",
            note=f"the SDK's argument objects alone took {big['sdk_seconds']:.2f} s of it"
            if big
            else "",
        ),
        Target(
            "in-process time ratio 10,000 / 1,000 resources",
            big["seconds"] / mid["seconds"] if big and mid else None,
            12.0,
            at_most=True,
            unit="x",
            note=_sdk_growth_note(big, mid),
        ),
    ]


def _sdk_growth_note(big: dict[str, Any] | None, mid: dict[str, Any] | None) -> str:
    if not (big and mid):
        return ""
    return f"the SDK's argument objects alone grew {big['sdk_seconds'] / mid['sdk_seconds']:.1f}x"


def _import_floor_note(service: dict[str, Any] | None) -> str:
    imports = (service or {}).get("imports")
    if not imports:
        return ""
    floor = imports[FRAMEWORK_FLOOR]["seconds"]
    return f"importing uvicorn and fastapi alone took {floor:.3f} s in this run"


# --- Markdown ---------------------------------------------------------------------------------


def markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    parts = [
        "# Benchmark results",
        "",
        f"Run {results['generated']} on {machine['cpus']} CPUs at nice {machine['nice']}, load"
        f" average {machine['load_before']:.1f} before and {machine['load_after']:.1f} after"
        " (a shared machine: read the ratios, measured side by side in this run, before the"
        " absolute figures). Command: `scripts/bench.sh`.",
        "",
        "## Targets",
        "",
        "| target | measured | target | result | note |",
        "|---|---|---|---|---|",
    ]
    for target in results["targets"]:
        measured = (
            "-" if target["measured"] is None else f"{target['measured']:.3g}{target['unit']}"
        )
        sign = "≤" if target["at_most"] else "≥"
        parts.append(
            f"| {target['name']} | {measured} | {sign} {target['limit']:g}{target['unit']}"
            f" | {target['result']} | {target['note']} |"
        )
    parts += ["", *_service_markdown(results), "", *_policy_markdown(results), ""]
    parts += _preview_markdown(results)
    return "\n".join(parts) + "\n"


def _service_markdown(results: dict[str, Any]) -> list[str]:
    service = results.get("service")
    if not service:
        return ["## Service", "", f"Not run: {results.get('service_skipped', 'not requested')}."]
    settings = service["settings"]
    servers = service["servers"]
    ours, anchor, bound = (servers[key] for key in SERVER_KEYS)
    ratios = results["ratios"]
    lines = [
        "## Service",
        "",
        f"127.0.0.1, each server started fresh. Start and idle memory: median of"
        f" {settings['start_trials']} starts each, in turns. Load: wrk -t{settings['threads']}"
        f" -c{settings['connections']}, {settings['seconds']} s bursts after a"
        f" {settings['warmup_seconds']} s warm-up, servers in turns, median of"
        f" {settings['rounds']} rounds; ratios of req/s and p99 are medians of per-round ratios.",
        "",
        f"| figure | {ours['label']} | {anchor['label']} | {bound['label']}"
        " | ours ÷ anchor | ours ÷ bound |",
        "|---|---|---|---|---|---|",
        _row("processes", [s["processes"] for s in (ours, anchor, bound)], "{:d}"),
        _row(
            "idle RSS, all processes (MiB)",
            [s["idle_rss_mib"] for s in (ours, anchor, bound)],
            "{:.1f}",
            ratios["idle_rss_ours_over_anchor"],
            ratios["idle_rss_ours_over_bound"],
        ),
        _row(
            "idle PSS, all processes (MiB)",
            [s["idle_pss_mib"] for s in (ours, anchor, bound)],
            "{:.1f}",
            ratios["idle_pss_ours_over_anchor"],
        ),
        _row(
            "start to first healthy response (s)",
            [s["seconds_to_healthy"] for s in (ours, anchor, bound)],
            "{:.3f}",
            ratios["start_ours_over_anchor"],
            ratios["start_ours_over_bound"],
        ),
    ]
    for phase in ours["endpoints_by_phase"]:
        suffix, named = PHASE_SUFFIX[phase], PHASE_NAME[phase]
        for path, label in ((LIVENESS_URL_PATH, "liveness"), (ADD_PATH, "add")):
            figures = [s["endpoints_by_phase"][phase].get(path) for s in (ours, anchor, bound)]
            lines.append(
                _row(
                    f"`{path}` req/s{named}",
                    [f["requests_per_second"] if f else None for f in figures],
                    "{:,.0f}",
                    ratios[f"{label}_rps_ours_over_anchor{suffix}"],
                    ratios[f"liveness_rps_ours_over_bound{suffix}"]
                    if label == "liveness"
                    else None,
                )
            )
            lines.append(
                _row(
                    f"`{path}` p99 latency (ms){named}",
                    [f["p99_latency_ms"] if f else None for f in figures],
                    "{:.1f}",
                    ratios[f"{label}_p99_ours_over_anchor{suffix}"],
                )
            )
    lines += [
        _row(
            "RSS after load, all processes (MiB)",
            [s["loaded_rss_mib"] for s in (ours, anchor, bound)],
            "{:.1f}",
            ratios["loaded_rss_ours_over_anchor"],
        ),
        _row(
            "errors (non-2xx + socket errors)", [s["errors"] for s in (ours, anchor, bound)], "{:d}"
        ),
        "",
        *_imports_markdown(service),
        "n/a: the bound answers liveness only. RSS counts pages shared between a supervisor and"
        " its workers once per process; PSS divides them among the processes sharing them."
        " *server on 1 CPU*: every process of the server pinned to one CPU and wrk to the other,"
        " as in a task with one vCPU; the anchor's formula still counts the host's CPUs, so its"
        " workers share that one CPU.",
    ]
    return lines


def _imports_markdown(service: dict[str, Any]) -> list[str]:
    """Where a start goes: fresh interpreters importing one more layer each, beside the starts."""
    imports = service.get("imports")
    if not imports:
        return []
    lines = [
        "",
        "Where a start goes (fresh interpreter, image ENV, median of as many runs as starts):",
        "",
        "| probe | wall time (s) | added by this layer (s) |",
        "|---|---|---|",
    ]
    previous = None
    for label, figures in imports.items():
        added = "" if previous is None else f"{figures['seconds'] - previous:+.3f}"
        previous = figures["seconds"]
        lines.append(f"| `{label}` | {figures['seconds']:.3f} | {added} |")
    return [*lines, ""]


def _row(
    name: str,
    values: list[Any],
    fmt: str,
    over_anchor: float | None = None,
    over_bound: float | None = None,
) -> str:
    cells = ["n/a" if value is None else fmt.format(value) for value in values]
    ratios = ["" if r is None else f"{r:.2f}x" for r in (over_anchor, over_bound)]
    return f"| {name} | " + " | ".join(cells + ratios) + " |"


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
        " the SDK's argument objects built per call as its analyzer builds them; median of"
        f" {policy['repeats']} runs. *SDK objects alone* builds those objects without running a"
        " policy (the baseline, measured alongside); *pack share* is the difference. CLI: wall"
        " time of `pulumi policy analyze --file <state> --policy-pack policy` (CLI start, the"
        " pack's own Python, gRPC, every policy on every resource).",
        "",
        "| resources | in-process (s) | ÷ previous size | SDK objects alone (s) | pack share (s)"
        " | CLI analyze (s) | violations found |",
        "|---|---|---|---|---|---|---|",
    ]
    previous = None
    for size, figures in policy["in_process"].items():
        growth = "" if previous is None else f"{figures['seconds'] / previous:.1f}x"
        previous = figures["seconds"]
        cli_row = cli.get(size)
        cli_cell = f"{cli_row['seconds']:.2f}" if cli_row else "skipped"
        violations = sum(figures["violations"].values())
        lines.append(
            f"| {int(size):,} | {figures['seconds']:.3f} | {growth} | {figures['sdk_seconds']:.3f}"
            f" | {figures['pack_seconds']:.3f} | {cli_cell} | {violations} |"
        )
    if "skipped" in cli:
        lines += ["", f"CLI rows skipped: {cli['skipped']}"]
    return lines


def _preview_markdown(results: dict[str, Any]) -> list[str]:
    preview = results.get("preview") or {"skipped": results.get("preview_skipped", "not run")}
    lines = ["## Offline preview", ""]
    if "skipped" in preview:
        return [*lines, f"Skipped: {preview['skipped']}"]
    samples = ", ".join(f"{s:.2f}" for s in preview["seconds_samples"])
    return [
        *lines,
        f"`scripts/offline-preview.sh {preview['stack']}` (engine, program, stand-in providers and"
        " the pack), after one untimed run.",
        "",
        "| stack | warm wall time (s, median) | runs (s) | first run (s) |",
        "|---|---|---|---|",
        f"| {preview['stack']} | {preview['seconds']:.2f} | {samples}"
        f" | {preview['first_run_seconds']:.2f} |",
    ]


# --- Chart ------------------------------------------------------------------------------------


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib  # noqa: PLC0415 (only the chart needs it; it is slow to import)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    figure.suptitle(f"Benchmarks, {results['generated']} (medians; ratios in results.md)")
    service = results.get("service")
    if service:
        _memory_chart(axes[0][0], service)
        _rate_chart(axes[0][1], service)
        _start_chart(axes[1][0], service)
    else:
        for axis in (axes[0][0], axes[0][1], axes[1][0]):
            axis.set_axis_off()
    if results.get("policy"):
        _policy_chart(axes[1][1], results["policy"])
    else:
        axes[1][1].set_axis_off()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


_COLORS = {"ours": "#2a7ab9", "anchor": "#c8553d", "bound": "#8a8a8a"}


def _short(server: dict[str, Any]) -> str:
    return server["label"].replace(" (", "\n(")


def _memory_chart(axis: Any, service: dict[str, Any]) -> None:
    servers = [service["servers"][key] for key in SERVER_KEYS]
    positions = range(len(servers))
    rss = [s["idle_rss_mib"] for s in servers]
    pss = [s["idle_pss_mib"] for s in servers]
    axis.bar([p - 0.2 for p in positions], rss, 0.4, label="RSS", color=list(_COLORS.values()))
    axis.bar([p + 0.2 for p in positions], pss, 0.4, label="PSS", color="#d9d9d9")
    for position, value in zip(positions, rss, strict=True):
        axis.text(position - 0.2, value, f"{value:.0f}", ha="center", va="bottom")
    axis.set_xticks(list(positions), [_short(s) for s in servers])
    axis.set_ylabel("MiB, all processes")
    axis.set_title("Idle memory (lower is better)")
    axis.legend(["RSS", "PSS"], loc="upper left")


def _rate_chart(axis: Any, service: dict[str, Any]) -> None:
    servers = [service["servers"][key] for key in SERVER_KEYS]
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


def _start_chart(axis: Any, service: dict[str, Any]) -> None:
    servers = [service["servers"][key] for key in SERVER_KEYS]
    positions = range(len(servers))
    values = [s["seconds_to_healthy"] for s in servers]
    axis.bar(list(positions), values, 0.5, color=list(_COLORS.values()))
    for key_index, key in enumerate(SERVER_KEYS):
        samples = [s["seconds_to_healthy"] for s in service["servers"][key]["start_samples"]]
        axis.plot([key_index + 0.3] * len(samples), samples, "k.", alpha=0.5)
        axis.text(
            key_index, values[key_index], f"{values[key_index]:.2f} s", ha="center", va="bottom"
        )
    axis.axhline(0.3, color="black", linestyle="--", linewidth=1)
    axis.text(-0.45, 0.3, "target 0.3 s", va="bottom", ha="left", fontsize=8)
    axis.set_xticks(list(positions), [_short(s) for s in servers])
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
    first = sizes[0]
    linear = [in_process[str(first)]["seconds"] * s / first for s in sizes]
    axis.loglog(sizes, linear, ":", color="black", linewidth=1, label="linear from smallest")
    axis.axhline(2.0, color="black", linestyle="--", linewidth=1)
    axis.text(sizes[-1], 2.0, "target: 2 s at 10,000", va="bottom", ha="right", fontsize=8)
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
