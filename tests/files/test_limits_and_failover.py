"""Streaming uploads under a size limit, connection checks, and failover between storages."""

import io
import json
import tracemalloc
import uuid

import pytest
import requests
from django.core.handlers.wsgi import WSGIHandler

from files import services
from files.backends import backend
from files.models import StoredFile
from integrations import services as integration_services

MB = 1024 * 1024
BOUNDARY = "hubboundary7MA4YWxk"


class LazyBody(io.RawIOBase):
    """A multipart body generated as it is read (nothing held whole) that counts what the server read."""

    def __init__(self, file_size: int, *, name: str = "big.pdf") -> None:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="category"\r\n\r\ndocuments\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
        ).encode()
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.parts = [(head, len(head)), (None, file_size - 9), (tail, len(tail))]
        self.length = sum(n for _, n in self.parts)
        self.read_bytes = 0
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        offset, want = self._pos, len(buffer)
        produced = 0
        for data, size in self.parts:
            if offset >= size:
                offset -= size
                continue
            take = min(size - offset, want - produced)
            chunk = data[offset : offset + take] if data is not None else b"a" * take
            buffer[produced : produced + take] = chunk
            produced += take
            offset = 0
            if produced == want:
                break
        self._pos += produced
        self.read_bytes += produced
        return produced


def post_streamed(body: LazyBody, api_key: str) -> tuple[int, dict]:
    """Call the WSGI application directly with the lazy body; return (status, JSON answer)."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/files",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BufferedReader(body),
        "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(body.length),
        "HTTP_X_API_KEY": api_key,
        "REMOTE_ADDR": "127.0.0.1",
    }
    status: list[str] = []
    chunks = WSGIHandler()(environ, lambda s, h, *a: status.append(s))
    payload = b"".join(chunks)
    return int(status[0].split()[0]), json.loads(payload)


@pytest.fixture
def key(company, make_key) -> str:
    return make_key(company)["HTTP_X_API_KEY"]


@pytest.mark.django_db(transaction=True)
def test_a_30_mb_upload_is_refused_with_413_without_reading_the_body(company, key):
    # given: the default 25 MB limit
    body = LazyBody(30 * MB)
    tracemalloc.start()
    try:
        # when
        status, answer = post_streamed(body, key)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # then
    assert status == 413 and answer["statusCode"] == 413 and answer["details"]["limitBytes"] == 25 * MB
    assert body.read_bytes < MB
    assert peak < 5 * MB
    assert not StoredFile.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_file_over_the_limit_is_stopped_mid_stream(api, company, make_key, key):
    # given: a 100 KB limit and a body small enough to pass the declared-length check
    headers = make_key(company)
    assert api.put("/api/v1/storage-route", {"maxFileBytes": 100_000}, format="json", **headers).status_code == 200
    body = LazyBody(150_000)
    # when
    status, answer = post_streamed(body, key)
    # then: refused once the count passed the limit, the rest of the body left unread
    assert status == 413 and answer["details"]["limitBytes"] == 100_000
    assert body.read_bytes < body.length
    assert not StoredFile.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_large_upload_streams_with_flat_memory(api, company, make_key, key):
    # given: a 40 MB limit
    headers = make_key(company)
    api.put("/api/v1/storage-route", {"maxFileBytes": 40 * MB}, format="json", **headers)
    body = LazyBody(30 * MB)
    tracemalloc.start()
    try:
        status, answer = post_streamed(body, key)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 201, answer
    assert answer["size"] == 30 * MB and body.read_bytes == body.length
    assert peak < 10 * MB  # the file went to disk and on to the storage in chunks


@pytest.mark.parametrize("provider", ["s3", "gcs", "azure_blob", "local"])
def test_the_connection_check_really_reaches_the_bucket(company, storage_config, provider):
    config = storage_config(provider)
    assert backend(provider).check(config).status == "healthy"
    if provider != "local":
        missing = {**config, ("container" if provider == "azure_blob" else "bucket"): f"nope-{uuid.uuid4().hex[:8]}"}
        assert backend(provider).check(missing).status == "unhealthy"


def test_an_endpoint_at_a_metadata_address_is_refused_even_in_development(company, storage_config):
    config = {**storage_config("s3"), "endpointUrl": "http://169.254.169.254"}
    result = backend("s3").check(config)
    assert result.status == "unhealthy" and "metadata" in result.error


def test_a_private_endpoint_is_refused_without_the_development_switch(company, storage_config, settings):
    config = storage_config("s3")
    settings.HUB_ALLOW_LOCAL_TARGETS = False
    result = backend("s3").check(config)
    assert result.status == "unhealthy" and "HUB_ALLOW_LOCAL_TARGETS" in result.error


def test_primary_down_lands_on_the_fallback_and_moves_back_when_it_recovers(
    api, company, make_key, make_storage, s3_endpoint
):
    # given: an S3 primary whose endpoint refuses connections, and a local fallback
    headers = make_key(company)
    closed = f"http://127.0.0.1:{__import__('tests.files.conftest', fromlist=['free_port']).free_port()}"
    primary = make_storage(company, "s3", endpointUrl=closed)
    fallback = make_storage(company, "local")
    route = {"primary": str(primary.id), "fallbacks": [str(fallback.id)]}
    assert api.put("/api/v1/storage-route", route, format="json", **headers).status_code == 200
    # when
    from tests.files.test_api import PDF, upload

    response = upload(api, headers)
    # then: stored on the fallback, and recorded as such
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["provider"] == "local" and body["integrationId"] == str(fallback.id) and body["onFallback"] is True
    file = StoredFile.objects.get(id=body["id"])
    assert file.intended_integration_id == primary.id and "127.0.0.1" in file.failover_reason
    # when: the primary recovers and the background job runs
    integration_services.integration_update(integration=primary, config={"endpointUrl": s3_endpoint})
    assert services.file_migrate_to_primary(file_id=file.id) is True
    # then: the file is on the primary, byte for byte, and downloads read from there
    file.refresh_from_db()
    assert file.provider == "s3" and file.integration_id == primary.id and not file.is_on_fallback()
    url = api.get(f"/api/v1/files/{file.id}/download", **headers).json()["url"]
    assert requests.get(url, timeout=10).content == PDF
    assert services.file_migrate_to_primary(file_id=file.id) is False  # already moved: nothing to do


def test_a_refusal_by_the_primary_is_not_hidden_by_a_fallback(api, company, make_key, make_storage):
    # given: a primary whose bucket does not exist (a 404: permanent, not an outage)
    headers = make_key(company)
    primary = make_storage(company, "s3", bucket=f"missing-{uuid.uuid4().hex[:8]}")
    fallback = make_storage(company, "local")
    api.put(
        "/api/v1/storage-route", {"primary": str(primary.id), "fallbacks": [str(fallback.id)]}, format="json", **headers
    )
    from tests.files.test_api import upload

    response = upload(api, headers)
    assert response.status_code == 502 and "404" in response.json()["message"]
    assert not StoredFile.objects.exists()


def test_the_route_defaults_to_the_only_storage_then_to_local(api, company, make_key, make_storage):
    headers = make_key(company)
    assert api.get("/api/v1/storage-route", **headers).json()["effective"] == [
        {"provider": "local", "integrationId": None}
    ]
    only = make_storage(company, "local")
    answer = api.get("/api/v1/storage-route", **headers).json()
    assert answer["effective"] == [{"provider": "local", "integrationId": str(only.id)}]
    assert answer["maxFileBytes"] == 25 * MB


def test_a_route_refuses_another_companys_integration(api, company, other_company, make_key, make_storage):
    theirs = make_storage(other_company, "local")
    response = api.put("/api/v1/storage-route", {"primary": str(theirs.id)}, format="json", **make_key(company))
    assert response.status_code == 400 and "primary" in response.json()["details"]
