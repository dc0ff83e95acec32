"""ecs-container-single-process: checks whether every container runs exactly one server process: no
gunicorn, supervisord or other process manager, no --workers above 1, no background jobs."""

from __future__ import annotations

from tests.policy.rules.cases import Case, awsx, env, policy_tests, td

ONE_PROCESS = "Container 'app' in task definition 'web-task' must run one process, but"


POLICY = "ecs-container-single-process"

PASSING: list[Case] = [
    Case("image-cmd", td(), []),
    Case("uvicorn", td(command=["uvicorn", "app.main:app", "--port", "8000"]), []),
    Case("one-worker", td(command=["uvicorn", "app.main:app", "--workers", "1"]), []),
    Case("sh-and", td(command=["sh", "-c", "migrate && exec uvicorn app.main:app"]), []),
    Case("concurrency-1", td(environment=env(("WEB_CONCURRENCY", "1"))), []),
    Case(
        "accepted-unreadable",
        td(command=["sh", "-c", "if [ -f /tmp/x ]; then exec uvicorn app; fi"]),
        [],
        {"acceptedCommands": ["if [ -f /tmp/x ]; then exec uvicorn app; fi"]},
    ),
]

FAILING: list[Case] = [
    Case(
        "gunicorn",
        td(command=["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app.main:app"]),
        [
            f"{ONE_PROCESS} it starts gunicorn, a process manager that forks workers: run one "
            "server process (`uvicorn app.main:app --host 0.0.0.0 --port 8000`, no --workers) "
            "and scale with the service's desiredCount."
        ],
    ),
    Case("python-m-gunicorn", td(command=["python", "-m", "gunicorn", "app"]), ["starts gunicorn"]),
    Case("debian-gunicorn3", td(entryPoint=["/usr/bin/gunicorn3"]), ["starts gunicorn"]),
    Case(
        "uvicorn-workers",
        td(command=["uvicorn", "app.main:app", "--workers", "4"]),
        ["it runs uvicorn with 4 workers (only 1 keeps one process)"],
    ),
    Case(
        "uvicorn-workers-eq",
        td(command=["uvicorn", "app", "--workers=2"]),
        ["uvicorn with 2 workers"],
    ),
    Case("uvicorn-w", td(command=["uvicorn app -w 3"]), ["uvicorn with 3 workers"]),
    Case(
        "uvicorn-nproc",
        td(command=["sh", "-c", "uvicorn app --workers $(nproc)"]),
        ["uvicorn with $(nproc) workers"],
    ),
    Case("uvicorn-reload", td(command=["uvicorn", "app", "--reload"]), ["with --reload"]),
    Case("hypercorn", td(command=["hypercorn", "-w4", "app:app"]), ["hypercorn with 4 workers"]),
    Case(
        "granian", td(command=["granian", "--workers", "2", "app:app"]), ["granian with 2 workers"]
    ),
    Case(
        "unreadable-quote",
        td(command=["sh", "-c", "exec uvicorn 'app.main:app"]),
        [
            "Container 'app' in task definition 'web-task' must start with a command line the "
            'pack can read, but its shell script "exec uvicorn \'app.main:app": its quoting does '
            "not balance (No closing quotation): write it as an exec-form array, or a `sh -c` "
            "script of simple commands joined by &&, ||, ; or | with balanced quotes (no "
            "subshells, groups, if/while/for/case), or list the exact text in this policy's "
            "acceptedCommands."
        ],
    ),
    Case(
        "background",
        td(command=["/bin/sh", "-c", "uvicorn app & celery -A app worker"]),
        ["its shell script 'uvicorn app & celery -A app worker' backgrounds a process with '&'"],
    ),
    Case(
        "supervisord",
        td(command=["supervisord", "-n"]),
        ["starts supervisord, a process supervisor"],
    ),
    Case("honcho", td(command=["honcho", "start"]), ["starts honcho"]),
    Case("circus", td(entryPoint=["circusd", "/etc/circus.ini"]), ["starts circusd"]),
    Case(
        "web-concurrency",
        td(environment=env(("WEB_CONCURRENCY", "4"))),
        ["its environment sets WEB_CONCURRENCY='4' (only 1 is one process)"],
    ),
    Case(
        "uvicorn-workers-env",
        td(environment=env(("UVICORN_WORKERS", "2"))),
        ["UVICORN_WORKERS='2'"],
    ),
    Case(
        "gunicorn-cmd-args",
        td(environment=env(("GUNICORN_CMD_ARGS", "--workers 2"))),
        ["its environment sets GUNICORN_CMD_ARGS, which configures gunicorn workers"],
    ),
    Case(
        "workers-per-core", td(environment=env(("WORKERS_PER_CORE", "0.5"))), ["WORKERS_PER_CORE"]
    ),
    Case(
        "tiangolo",
        td(image="tiangolo/uvicorn-gunicorn-fastapi:python3.11"),
        [
            "its image 'tiangolo/uvicorn-gunicorn-fastapi:python3.11' runs a process manager "
            "(tiangolo/uvicorn-gunicorn)"
        ],
    ),
    Case(
        "awsx",
        awsx(command=["gunicorn", "app"]),
        ["Container 'app' in service 'web' must run one process"],
    ),
    Case(
        "command-type",
        td(command="uvicorn app"),
        ["must set command to an array of strings, not 'uvicorn app'"],
    ),
    Case(
        "extra-command",
        td(command=["celery", "-A", "app", "worker"]),
        ["it starts celery, a program this platform forbids"],
        {"extraForbiddenCommands": ["celery"]},
    ),
    Case(
        "extra-image",
        td(image="registry.example.com/legacy/multi:1"),
        ["runs a process manager (legacy/multi)"],
        {"extraForbiddenImages": ["legacy/multi"]},
    ),
]


# One process, command by command (id, command, one fragment per violation): the FastAPI CLI
# passes --workers and --reload on to uvicorn, and `fastapi dev` always reloads (issue 14).
DEV = "it runs `fastapi dev`, a development server that reloads (a watcher process plus the server)"
IF = "it uses the compound command 'if'"
COMMANDS: list[tuple[str, list[str], list[str]]] = [
    ("fastapi-run", ["fastapi", "run", "app/main.py"], []),
    ("fastapi-run-one-worker", ["fastapi", "run", "--workers", "1", "app/main.py"], []),
    ("fastapi-run-workers", ["fastapi", "run", "--workers", "4", "main.py"], ["fastapi with 4"]),
    ("python-m-fastapi-workers", ["python", "-m", "fastapi", "run", "--workers=4"], ["with 4"]),
    ("fastapi-run-reload", ["fastapi run --reload app/main.py"], ["fastapi with --reload"]),
    ("fastapi-dev", ["fastapi", "dev", "app/main.py"], [f"{ONE_PROCESS} {DEV}: use `fastapi run`"]),
    ("python-m-fastapi-dev", ["python", "-m", "fastapi", "dev"], [DEV]),
    ("sh-fastapi-dev", ["sh", "-c", "alembic upgrade head && exec fastapi dev main.py"], [DEV]),
    ("granian-w", ["granian", "--interface", "asgi", "-w", "3"], ["granian with 3 workers"]),
    ("hypercorn-workers", ["hypercorn", "--workers", "2", "app:app"], ["hypercorn with 2"]),
    ("redirect-not-background", ["sh", "-c", "exec uvicorn app.main:app 2>&1"], []),
    ("unreadable-if", ["sh", "-c", 'if [ -n "$DEBUG" ]; then exec uvicorn app; fi'], [IF]),
    ("unreadable-still-reads-words", ["sh", "-c", "if :; then gunicorn app; fi"], ["gunicorn", IF]),
]
PASSING += [Case(id_, td(command=argv), []) for id_, argv, expect in COMMANDS if not expect]
FAILING += [Case(id_, td(command=argv), expect) for id_, argv, expect in COMMANDS if expect]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
