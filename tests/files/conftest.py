"""Fixtures of the files tests: S3 (moto_server), Cloud Storage (gcp-storage-emulator) and Azure Blob (Azurite).

Each emulator is a real HTTP server on loopback, started once per session unless an environment
variable names one already running (FILES_TEST_S3_ENDPOINT, FILES_TEST_GCS_ENDPOINT,
FILES_TEST_AZURITE_ENDPOINT). Azurite is installed into var/node on first use (npm).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from files.backends import forget_storages
from integrations import services as integration_services
from integrations.models import Integration

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AZURITE = ROOT / "var" / "node" / "node_modules" / ".bin" / "azurite-blob"
# Azurite's documented development account.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen | None, *, timeout: float = 60) -> None:
    """Poll until the server answers HTTP at all (any status), or fail with its output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited: {proc.stdout.read().decode(errors='replace')[-2000:]}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout} s")


def _start(args: list[str], url: str) -> subprocess.Popen:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _wait_for(url, proc)
    return proc


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    if os.environ.get("FILES_TEST_S3_ENDPOINT"):
        yield os.environ["FILES_TEST_S3_ENDPOINT"]
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], url)
    yield url
    _stop(proc)


@pytest.fixture(scope="session")
def gcs_endpoint() -> Iterator[str]:
    if os.environ.get("FILES_TEST_GCS_ENDPOINT"):
        yield os.environ["FILES_TEST_GCS_ENDPOINT"]
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [str(BIN / "gcp-storage-emulator"), "start", "--host", "127.0.0.1", "--port", str(port), "--in-memory", "-q"]
    proc = _start(args, url)
    yield url
    _stop(proc)


def install_azurite() -> Path:
    """Install Azurite into var/node (once); return its blob server's executable."""
    if not AZURITE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("Azurite needs Node.js and npm")
        subprocess.run([npm, "install", "--prefix", str(ROOT / "var" / "node"), "azurite"], check=True)
    return AZURITE


@pytest.fixture(scope="session")
def azurite_endpoint() -> Iterator[str]:
    if os.environ.get("FILES_TEST_AZURITE_ENDPOINT"):
        yield os.environ["FILES_TEST_AZURITE_ENDPOINT"]
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
    args = [
        str(install_azurite()),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--skipApiVersionCheck",
        "--inMemoryPersistence",
        "--silent",
    ]
    proc = _start(args, f"http://127.0.0.1:{port}/")
    yield url
    _stop(proc)


class TokenStandIn:
    """Google's OAuth token endpoint on loopback: any signed JWT assertion gets an access token."""

    def __init__(self) -> None:
        self.requests = 0
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stand_in.requests += 1
                body = json.dumps({"access_token": "ya29.test-token", "expires_in": 3600, "token_type": "Bearer"})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="session")
def gcs_token() -> Iterator[TokenStandIn]:
    stand_in = TokenStandIn()
    yield stand_in
    stand_in.server.shutdown()


@pytest.fixture(scope="session")
def service_account_json(gcs_token) -> str:
    """A service-account key whose token endpoint is the loopback stand-in (it also signs download URLs)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "hub-test",
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": "hub@hub-test.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": gcs_token.url,
        }
    )


@pytest.fixture(autouse=True)
def _files_settings(settings, tmp_path) -> Iterator[None]:
    # Emulators listen on 127.0.0.1, which the SSRF policy refuses unless the development switch is on.
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    settings.FILES_LOCAL_ROOT = tmp_path / "files"
    settings.FILES_PROVIDER_TIMEOUT_SECONDS = 5
    settings.OUTBOUND_CONNECT_TIMEOUT_SECONDS = 1
    forget_storages()
    yield
    forget_storages()


def make_bucket_s3(endpoint: str, bucket: str) -> None:
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    client.create_bucket(Bucket=bucket)


def make_bucket_gcs(endpoint: str, bucket: str) -> None:
    response = requests.post(f"{endpoint}/storage/v1/b", params={"project": "hub-test"}, json={"name": bucket})
    assert response.status_code in (200, 409), response.text


def make_container_azure(endpoint: str, container: str) -> None:
    from azure.storage.blob import BlobServiceClient

    client = BlobServiceClient(endpoint, credential={"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY})
    client.create_container(container)


@pytest.fixture
def storage_config(request) -> Callable[[str], dict[str, Any]]:
    """Return a function giving a working config (with a fresh bucket) for a storage provider."""

    def config(provider: str) -> dict[str, Any]:
        bucket = f"hub-{uuid.uuid4().hex[:12]}"
        if provider == "s3":
            endpoint = request.getfixturevalue("s3_endpoint")
            make_bucket_s3(endpoint, bucket)
            return {
                "bucket": bucket,
                "region": "us-east-1",
                "endpointUrl": endpoint,
                "accessKeyId": "test",
                "secretAccessKey": "test-secret-key-0123456789",
                "pathStyle": True,
            }
        if provider == "gcs":
            endpoint = request.getfixturevalue("gcs_endpoint")
            make_bucket_gcs(endpoint, bucket)
            return {
                "bucket": bucket,
                "serviceAccountJson": request.getfixturevalue("service_account_json"),
                "endpointUrl": endpoint,
            }
        if provider == "azure_blob":
            endpoint = request.getfixturevalue("azurite_endpoint")
            make_container_azure(endpoint, bucket)
            return {
                "container": bucket,
                "accountName": AZURITE_ACCOUNT,
                "accountKey": AZURITE_KEY,
                "endpointUrl": endpoint,
            }
        if provider == "local":
            return {"folder": f"f{uuid.uuid4().hex[:8]}"}
        raise AssertionError(provider)

    return config


@pytest.fixture
def make_storage(storage_config) -> Callable[..., Integration]:
    """Create an active storage integration of a company with a working config."""

    def make(company, provider: str, *, name: str | None = None, **overrides: Any) -> Integration:
        config = {**storage_config(provider), **overrides}
        return integration_services.integration_create(
            company_id=company.id, name=name or f"{provider} {uuid.uuid4().hex[:6]}", provider=provider, config=config
        )

    return make
