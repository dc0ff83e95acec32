"""rollout.png (timeline) and the rollout section of results.md, from rollout.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SECTION_BEGIN = "<!-- rollout rehearsal: written by bench/rollout/report.py -->"
SECTION_END = "<!-- end of rollout rehearsal -->"
RESULTS_JSON = "rollout.json"

# Phases of a replacement drawn as spans: (from event, to event, colour, label). A span whose
# end comes before its start is not drawn (SIGTERM follows deregistration unless the chain is
# broken, as in the negative control).
SPANS = (
    ("registered", "healthy", "tab:green", "new task registered, not yet healthy"),
    ("drain", "deregistered", "tab:orange", "old task draining"),
    ("sigterm", "exit", "tab:red", "old task: SIGTERM to exit"),
    ("sigterm", "deregistered", "purple", "old task still registered after SIGTERM"),
)


# --- chart ------------------------------------------------------------------------------------


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib  # noqa: PLC0415 - only the chart needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    series = results["series"]
    # Each count covers the second [k, k + 1): lines at its middle, bars across it.
    seconds = [k + 0.5 for k in range(len(series["ok"]))]
    figure, (rate, errors) = plt.subplots(
        2, 1, figsize=(12, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    rate.plot(seconds, series["ok"], color="black", linewidth=1.2, label="answered (2xx), all")
    for task, counts in series["ok_by_task"].items():
        rate.plot(seconds, counts, linewidth=0.8, alpha=0.8, label=f"answered by {task}")
    errors.bar(
        [k - 0.5 for k in seconds], series["failed"], width=1.0, align="edge", color="tab:red"
    )
    for phases in [*results["timeline"], results["negative_control"]["timeline"]]:
        _draw_phases(rate, errors, phases)
    negative_start = results["negative_start"]
    for axis in (rate, errors):
        axis.axvline(negative_start, color="purple", linestyle="--", linewidth=1)
    rate.annotate(
        " negative control",
        (negative_start, 0.93),
        xycoords=("data", "axes fraction"),
        va="top",
        color="purple",
        fontsize=8,
    )
    rate.set_ylabel("requests / s")
    errors.set_ylabel("failed / s")
    errors.set_xlabel("seconds since the load started")
    negative = results["negative_control"]
    rate.set_title(
        f"Rolling replacement rehearsal, stack {results['stack']},"
        f" {results['machine']['generated']}:"
        f" {results['replacements']} replacements, {results['requests']:,} requests,"
        f" {results['failed']} failed; negative control {negative['failed']:,} of"
        f" {negative['requests']:,} failed",
        fontsize=9,
    )
    handles, labels = rate.get_legend_handles_labels()
    spans = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.15) for _, _, c, _ in SPANS]
    rate.legend(
        handles + spans,
        labels + [label for *_, label in SPANS],
        fontsize=7,
        loc="lower left",
        ncol=2,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _draw_phases(rate: Any, errors: Any, phases: dict[str, Any]) -> None:
    for start, end, colour, _label in SPANS:
        if start in phases and end in phases and phases[end] > phases[start]:
            for axis in (rate, errors):
                axis.axvspan(
                    phases[start],
                    max(phases[end], phases[start] + 0.3),
                    color=colour,
                    alpha=0.15,
                    linewidth=0,
                )
    rate.annotate(
        f"{phases['new']} replaces {phases['old']}",
        (phases["start"], 0.99),
        xycoords=("data", "axes fraction"),
        xytext=(2, 0),
        textcoords="offset points",
        va="top",
        fontsize=7,
    )


# --- markdown ---------------------------------------------------------------------------------


def section(results: dict[str, Any]) -> str:
    """The rollout section of results.md, between markers so it can be replaced in place."""
    plan = results["plan"]
    check = plan["target_group"]["health_check"]
    container = plan["container"]
    negative = results["negative_control"]
    machine = results["machine"]
    lines = [
        SECTION_BEGIN,
        "## Rolling deploy rehearsal",
        "",
        f"Run {machine['generated']} with `{results['command']}` on {machine['cpus']} CPUs, load"
        f" average {machine['load_average_before'][0]:.2f} before and"
        f" {machine['load_average_after'][0]:.2f} after (`uptime`: {machine['uptime_after']})."
        f" The built image ({machine['image'][:19]}), two tasks (buildah {machine['buildah']},"
        f" UID {container['user']}, read-only root) behind HAProxy {machine['haproxy']} set up"
        " as the stack's target group and ALB, replaced one at a time as ECS does. Chart:"
        " [rollout.png](rollout.png); every figure: [rollout.json](rollout.json).",
        "",
        f"Stack {results['stack']}, from the program's resources: health check"
        f" `{check['path']}` every {check['interval']} s (timeout {check['timeout']} s, healthy"
        f" after {check['healthy_threshold']}, unhealthy after {check['unhealthy_threshold']}),"
        f" deregistration delay {plan['target_group']['deregistration_delay']} s, idle timeout"
        f" {plan['load_balancer']['idle_timeout']} s, stopTimeout {container['stop_timeout']} s,"
        " uvicorn keep-alive"
        f" {container['environment'].get('UVICORN_TIMEOUT_KEEP_ALIVE', '?')} s and graceful"
        f" shutdown {container['environment'].get('UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN', '?')} s.",
        "",
        "| | requests | failed | failures |",
        "|---|---|---|---|",
        f"| rehearsal: {results['replacements']} replacements over {results['load_seconds']:.0f} s"
        f" | {results['requests']:,} ({results['slow_requests']:,} slow)"
        f" | {results['failed']} | {_outcomes(results['failures_by_outcome'])} |",
        f"| negative control: {negative['description']} | {negative['requests']:,}"
        f" | {negative['failed']:,} | {_outcomes(negative['failures_by_outcome'])} |",
        "",
        _in_flight_note(results),
        "",
        "Each replacement, seconds since the load started (in flight: requests the old task"
        " answered that were open at that moment):",
        "",
        "| old → new | start | healthy | drain | in flight at drain (slow) | deregistered"
        " | SIGTERM | exit | clean shutdown |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for phases in [*results["timeline"], negative["timeline"]]:
        lines.append(_timeline_row(phases))
    lines += [
        "",
        "Still different from Fargate:",
        "",
        *[f"- {difference}" for difference in results["differences_from_fargate"]],
        SECTION_END,
    ]
    return "\n".join(lines) + "\n"


def _in_flight_note(results: dict[str, Any]) -> str:
    """What was open when it mattered, and how it ended (counted from the records)."""
    drained = [p["in_flight_at_drain"] for p in results["timeline"] if "in_flight_at_drain" in p]
    stopped = [p["in_flight_at_sigterm"] for p in results["timeline"]]
    negative = results["negative_control"]
    open_then = negative["timeline"]["in_flight_at_sigterm"]
    period = negative["failures_by_period"]
    answered, slow = "answered_by_old_task", "slow_answered_by_old_task"
    return (
        f"When the old tasks began draining, {_sum(drained, answered)} requests"
        f" ({_sum(drained, slow)} slow) were open on them and they answered every one;"
        f" {_sum(drained, 'failed')} requests open at those moments failed. At their SIGTERM,"
        f" after the drain, {_sum(stopped, answered)} were open on them. In the negative control"
        f" the old task answered the {open_then[answered]} requests ({open_then[slow]} slow) it"
        " had open at its SIGTERM (uvicorn's graceful shutdown), and the control's failures"
        f" were: {period['ended_before_sigterm']} before that SIGTERM,"
        f" {period['open_at_sigterm']} open at it, {period['sent_while_still_registered']:,}"
        " sent while the stopped task was still registered (until its health check took it"
        f" out), {period['sent_after_deregistration']} after."
    )


def _sum(entries: list[dict[str, int]], key: str) -> int:
    return sum(entry[key] for entry in entries)


def _timeline_row(phases: dict[str, Any]) -> str:
    def at(key: str) -> str:
        return f"{phases[key]:.1f}" if key in phases else "-"

    drained = phases.get("in_flight_at_drain")
    in_flight = (
        f"{drained['answered_by_old_task']} ({drained['slow_answered_by_old_task']})"
        if drained
        else "- (no drain)"
    )
    exit_at = at("exit") + (" (SIGKILL)" if "sigkill" in phases else "")
    return (
        f"| {phases['old']} → {phases['new']} | {at('start')} | {at('healthy')} | {at('drain')}"
        f" | {in_flight} | {at('deregistered')} | {at('sigterm')} | {exit_at}"
        f" | {'yes' if phases.get('clean_shutdown') else 'no'} |"
    )


def _outcomes(outcomes: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {name}" for name, count in sorted(outcomes.items())) or "none"


def section_from(directory: Path) -> str:
    """The section for the rollout.json in `directory`, or "" when there is none."""
    path = directory / RESULTS_JSON
    return section(json.loads(path.read_text())) if path.exists() else ""


def update_markdown(path: Path, text: str) -> None:
    """Put the section into results.md: in place of the previous one, else at the end."""
    current = path.read_text() if path.exists() else ""
    if SECTION_BEGIN in current and SECTION_END in current:
        head, _, rest = current.partition(SECTION_BEGIN)
        _, _, tail = rest.partition(SECTION_END)
        updated = head + text.rstrip("\n") + tail
    else:
        updated = current + ("\n" if current and not current.endswith("\n\n") else "") + text
    path.write_text(updated)


def write(results: dict[str, Any], out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / RESULTS_JSON,
        "chart": out / "rollout.png",
        "markdown": out / "results.md",
    }
    paths["json"].write_text(json.dumps(results, indent=1) + "\n")
    chart(results, paths["chart"])
    update_markdown(paths["markdown"], section(results))
    return paths
