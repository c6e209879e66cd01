"""Real Celery worker and beat processes on the test database and this xdist worker's Redis, and their queues."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings

from accounts.redis_client import get_redis
from tests.support.isolation import broker_key

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """Return a DATABASE_URL for the test database pytest-django created (for subprocesses)."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # not a test, despite its name


def purge_queues(*queues: str) -> None:
    """Drop messages left in this xdist worker's queues (and its unacked set) by earlier tests."""
    names = queues or tuple(q.name for q in settings.CELERY_TASK_QUEUES)
    get_redis().delete(*(broker_key(name) for name in (*names, "unacked", "unacked_index")))


def _start(args: list[str], ready: str, *, timeout: float, extra_env: dict[str, str] | None) -> subprocess.Popen:
    """Start `celery <args>` through tests.support.celery_main; return once a line contains `ready`."""
    env = {**os.environ, "DATABASE_URL": test_database_url(), "REDIS_URL": settings.REDIS_URL, **(extra_env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.celery_main", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    output: list[str] = []
    for line in proc.stdout:
        output.append(line)
        if ready in line:
            break
        if time.monotonic() > deadline:
            break
    else:
        line = ""
    if ready not in line:
        stop(proc)
        raise RuntimeError(f"celery {args[0]} did not start:\n" + "".join(output[-40:]))
    # keep draining output so the process never blocks on a full pipe
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc


def start_worker(
    *, queues: str = "default", concurrency: int = 2, extra_env: dict | None = None, extra_args: list[str] | None = None
) -> subprocess.Popen:
    """Start a real Celery worker on the test database and Redis; returns once it is ready."""
    args = ["worker", "-Q", queues, "-c", str(concurrency), "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    return _start([*args, *(extra_args or [])], "ready.", timeout=60, extra_env=extra_env)


def start_beat(tmp_path: Path, *, interval: int = 1) -> subprocess.Popen:
    """Start a real Celery beat (file scheduler) that sends the webhook sweep every `interval` seconds."""
    args = ["beat", "-S", "celery.beat:PersistentScheduler", "-s", str(tmp_path / "beat-schedule"), "--loglevel=INFO"]
    return _start(args, "Starting", timeout=30, extra_env={"WEBHOOK_SWEEP_INTERVAL": str(interval)})


def stop(proc: subprocess.Popen) -> None:
    """Stop a process the tests started: politely, then for good."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
