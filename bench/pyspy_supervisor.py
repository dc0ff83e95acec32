"""Runs a policy pack's Python under py-spy from its first instruction (bench/pack_profile.py).

bench/pack_profile.py gives each profiled pack a virtualenv whose `bin/python` runs this file
with the real interpreter: `python pyspy_supervisor.py REAL_PYTHON ARGS...`. Pulumi's Python
language host starts a pack as `<virtualenv>/bin/python -u -m pulumi.policy ADDRESS PACK_DIR`
(scripts/pulumi-build/pulumi-language-python/main.go, RunPlugin) and reads the pack's port from
its stdout (pulumi sdk/v3 policy_proxy.go, `Attach`: `fmt.Fscanf(stdout, "%d\\n")`).

Why not `py-spy record --subprocesses -- pulumi policy analyze ...`: py-spy finds new children
by polling, and missed the pack's imports in some runs. Why not `exec py-spy record -- python`:
the CLI ends the pack by killing the process it started, and a killed py-spy writes nothing. So
this supervisor stays the process the language host knows, and a keeper in its own session runs
`py-spy record -- python ...` (the pack's stdout kept for the port, py-spy's own messages sent
to a log). When the supervisor ends, however it ends (signal or kill), the keeper sees its pipe
close and interrupts py-spy and the pack: py-spy writes the profile, then the keeper writes
`<profile>.done`. Any other use of this interpreter (the toolchain's version checks) runs the
real one directly.

Settings come from the environment, which the CLI and the language host pass on:
PACK_PROFILE_OUT (the raw profile to write), PACK_PROFILE_PYSPY (py-spy), PACK_PROFILE_RATE.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

OUT_ENV, PYSPY_ENV, RATE_ENV = "PACK_PROFILE_OUT", "PACK_PROFILE_PYSPY", "PACK_PROFILE_RATE"


def main(argv: list[str]) -> int:
    real, args = argv[1], argv[2:]
    out = os.environ.get(OUT_ENV)
    if not out or "pulumi.policy" not in args:
        os.execv(real, [real, *args])  # not a pack run: the real interpreter, nothing else
    pack_stdout = os.dup(1)
    read_end, write_end = os.pipe()
    keeper = os.fork()
    if keeper == 0:
        os.close(write_end)
        os.setsid()  # out of the language host's process group, so its signals miss py-spy
        os._exit(_keep(real, args, Path(out), pack_stdout, read_end))
    os.close(read_end)  # the keeper reads EOF when this process is gone

    def forward(_signum: int, _frame: object) -> None:
        os.killpg(keeper, signal.SIGINT)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    _, status = os.waitpid(keeper, 0)
    return os.waitstatus_to_exitcode(status)


def _keep(real: str, args: list[str], out: Path, pack_stdout: int, read_end: int) -> int:
    """In its own session: py-spy recording the pack until the pack or the supervisor ends."""
    # A handler, not SIG_IGN: py-spy and the pack must still take the SIGINT sent to the group.
    signal.signal(signal.SIGINT, lambda _signum, _frame: None)
    command = [
        os.environ.get(PYSPY_ENV, "py-spy"),
        "record",
        "--rate",
        os.environ.get(RATE_ENV, "500"),
        "--gil",  # samples of Python running, not of threads waiting for requests
        "--nonblocking",
        "--format",
        "raw",
        "--output",
        str(out),
        "--",
        "/bin/sh",
        "-c",  # the pack's stdout back to the language host's pipe, then the pack itself
        f'exec "$0" "$@" 1>&{pack_stdout} {pack_stdout}>&-',
        real,
        *args,
    ]
    with open(out.with_name(out.name + ".log"), "wb") as log:
        spy = subprocess.Popen(command, stdout=log, stderr=log, pass_fds=(pack_stdout,))

    def stop_when_supervisor_ends() -> None:
        os.read(read_end, 1)  # b"" once the supervisor has gone
        os.killpg(0, signal.SIGINT)

    threading.Thread(target=stop_when_supervisor_ends, daemon=True).start()
    code = spy.wait()
    out.with_name(out.name + ".done").write_text(f"{code}\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
