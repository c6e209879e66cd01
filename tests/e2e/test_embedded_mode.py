"""The embedded default starts end to end: SQLite, filesystem broker, web + worker + beat."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.processes import ROOT, free_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e


def _answering(url: str, status: int):
    """Return a condition: the GET response when the URL answers `status`, else None (not up yet)."""

    def check() -> requests.Response | None:
        try:
            response = requests.get(url, timeout=5)
        except requests.ConnectionError:
            return None
        return response if response.status_code == status else None

    return check


def test_the_embedded_mode_serves_the_api_and_the_worker_answers_health(tmp_path: Path):
    # given a clean environment with no DATABASE_URL or REDIS_URL
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env["VAR_DIR"] = str(tmp_path)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    seeded = subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    import json

    creds = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    procs = [
        subprocess.Popen(
            [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "1", "--loglevel=WARNING"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel=WARNING",
                f"--schedule={tmp_path / 'beat-schedule'}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        base = f"http://127.0.0.1:{port}"
        # when the services are up, then the health check goes green (the worker heartbeat arrives)
        health = wait_until(_answering(f"{base}/api/v1/monitoring/health", 200), 90, interval=0.5).json()
        assert health["components"]["broker"]["status"] == "up"
        assert health["components"]["database"]["status"] == "up"
        # and the demo key and the docs work
        me = requests.get(f"{base}/api/v1/auth/me/", headers={"X-API-Key": creds["apiKey"]}, timeout=10)
        assert me.status_code == 200 and me.json()["company"]["slug"] == "demo"
        assert me.headers["X-RateLimit-Limit"] == "1000"
        assert requests.get(f"{base}/api/docs/", timeout=10).status_code == 200
        assert requests.get(f"{base}/admin/login/", timeout=10).status_code == 200
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
