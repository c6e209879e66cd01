"""The files API against real storage emulators: upload, list, metadata, signed download, delete."""

import json
import os

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.scopes import FILES_READ
from files import services
from files.models import StoredFile

PDF = b"%PDF-1.7\n" + os.urandom(40_000) + b"\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + os.urandom(2000)


def upload(api, headers, *, name="report.pdf", data=PDF, category="documents", metadata=None):
    form = {"file": SimpleUploadedFile(name, data, content_type="application/pdf"), "category": category}
    if metadata is not None:
        form["metadata"] = json.dumps(metadata)
    return api.post("/api/v1/files", form, format="multipart", **headers)


def fetch(api, url: str) -> bytes:
    """Read a download URL: over HTTP from the provider, or through the hub for local files."""
    if url.startswith("http://testserver/"):
        response = api.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200
        return b"".join(response.streaming_content)
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, response.text[:500]
    return response.content


@pytest.mark.parametrize("provider", ["s3", "gcs", "azure_blob", "local"])
def test_a_file_goes_through_its_whole_life_on_each_provider(api, company, make_key, make_storage, provider):
    # given: the company's only storage integration
    integration = make_storage(company, provider)
    headers = make_key(company)
    # when: uploaded
    response = upload(api, headers, metadata={"orderId": "A-1", "nested": {"snake_case": 1}})
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["provider"] == provider and body["integrationId"] == str(integration.id)
    assert body["contentType"] == "application/pdf" and body["size"] == len(PDF)
    assert body["sha256"] == __import__("hashlib").sha256(PDF).hexdigest()
    assert body["metadata"] == {"orderId": "A-1", "nested": {"snake_case": 1}}
    assert body["fileKey"].startswith(f"{company.id}/documents/") and body["fileKey"].endswith("-report.pdf")
    assert set(body) >= {"id", "fileName", "fileKey", "size", "contentType", "sha256", "category", "uploadedAt"}
    file_id = body["id"]
    # listed, filtered
    listed = api.get("/api/v1/files?category=documents&provider=" + provider, **headers).json()
    assert [f["id"] for f in listed["files"]] == [file_id] and listed["pagination"]["total"] == 1
    assert api.get("/api/v1/files?category=images", **headers).json()["files"] == []
    # metadata edited
    patched = api.patch(f"/api/v1/files/{file_id}", {"metadata": {"checked": True}}, format="json", **headers)
    assert patched.status_code == 200 and patched.json()["metadata"] == {"checked": True}
    # downloaded byte for byte through a short-lived URL
    link = api.get(f"/api/v1/files/{file_id}/download", **headers).json()
    assert link["expiresAt"].endswith("Z")
    assert fetch(api, link["url"]) == PDF
    # deleted: the row and the object
    assert api.delete(f"/api/v1/files/{file_id}", **headers).status_code == 204
    assert api.get(f"/api/v1/files/{file_id}", **headers).status_code == 404
    if provider == "local":
        assert api.get(link["url"].removeprefix("http://testserver")).status_code == 404
    else:
        assert requests.get(link["url"], timeout=10).status_code in (403, 404)


def test_an_executable_named_pdf_is_refused(api, company, make_key):
    response = upload(api, make_key(company), name="invoice.pdf", data=ELF)
    assert response.status_code == 415
    body = response.json()
    assert body["statusCode"] == 415 and "application/x-executable" in body["message"]
    assert not StoredFile.objects.exists()


def test_a_path_traversal_name_is_stored_under_the_company_prefix(api, company, make_key, settings):
    response = upload(api, make_key(company), name="../../../etc/passwd.pdf")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["fileName"] == "passwd.pdf"
    assert ".." not in body["fileKey"] and body["fileKey"].startswith(f"{company.id}/documents/")
    stored = list((settings.FILES_LOCAL_ROOT).rglob("*passwd.pdf"))
    assert len(stored) == 1 and str(stored[0]).startswith(str(settings.FILES_LOCAL_ROOT / "default" / str(company.id)))


def test_an_image_in_the_documents_category_is_refused_and_accepted_as_an_image(api, company, make_key):
    headers = make_key(company)
    assert upload(api, headers, name="scan.png", data=PNG).status_code == 415
    response = upload(api, headers, name="scan.png", data=PNG, category="images")
    assert response.status_code == 201 and response.json()["contentType"] == "image/png"


def test_an_unknown_category_names_the_allowed_ones(api, company, make_key):
    response = upload(api, make_key(company), category="videos")
    assert response.status_code == 400
    assert "documents" in json.dumps(response.json()["details"])


def test_another_companys_file_is_not_found_and_gets_no_download_url(api, company, other_company, make_key):
    theirs = upload(api, make_key(other_company)).json()["id"]
    headers = make_key(company)
    assert api.get(f"/api/v1/files/{theirs}", **headers).status_code == 404
    response = api.get(f"/api/v1/files/{theirs}/download", **headers)
    assert response.status_code == 404 and "url" not in response.json()
    assert api.patch(f"/api/v1/files/{theirs}", {"metadata": {}}, format="json", **headers).status_code == 404
    assert api.delete(f"/api/v1/files/{theirs}", **headers).status_code == 404
    assert api.get("/api/v1/files", **headers).json()["files"] == []


def test_a_local_download_token_serves_only_its_own_file(api, company, make_key):
    headers = make_key(company)
    first = upload(api, headers).json()["id"]
    second = upload(api, headers, data=PDF + b"x").json()["id"]
    url = api.get(f"/api/v1/files/{first}/download", **headers).json()["url"]
    token = url.split("token=")[1]
    assert api.get(f"/api/v1/files/{second}/content?token={token}").status_code == 404
    assert api.get(f"/api/v1/files/{first}/content?token=forged").status_code == 404


def test_reading_needs_files_read_and_uploading_needs_files_write(api, company, make_key):
    headers = make_key(company, scopes=[FILES_READ])
    response = upload(api, headers)
    assert response.status_code == 403 and response.json()["details"]["requiredScopes"] == ["files:write"]
    assert api.get("/api/v1/files", **headers).status_code == 200


def test_a_duplicate_is_reused_when_the_route_says_so(api, company, make_key):
    headers = make_key(company)
    first = upload(api, headers).json()
    assert upload(api, headers).json()["id"] != first["id"]  # default: stored again
    api.put("/api/v1/storage-route", {"reuseDuplicates": True}, format="json", **headers)
    again = upload(api, headers)
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert api.get(f"/api/v1/files?sha256={first['sha256']}", **headers).json()["pagination"]["total"] == 2


def test_the_seed_test_file_endpoint_answers_its_shape(api, company, make_key, make_storage):
    make_storage(company, "s3")
    response = api.post(
        "/api/v1/integrations/test/file",
        {"fileName": "hello", "fileType": "pdf", "category": "documents"},
        format="json",
        **make_key(company),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"fileId", "fileName", "fileKey", "url", "size", "contentType", "provider", "uploadedAt"}
    assert body["provider"] == "s3" and body["fileName"] == "hello.pdf" and body["contentType"] == "application/pdf"
    assert requests.get(body["url"], timeout=10).content.startswith(b"%PDF")


def test_metadata_must_be_a_json_object(api, company, make_key):
    headers = make_key(company)
    form = {"file": SimpleUploadedFile("a.pdf", PDF), "category": "documents", "metadata": "[1, 2]"}
    response = api.post("/api/v1/files", form, format="multipart", **headers)
    assert response.status_code == 400 and "metadata" in response.json()["details"]


def test_a_service_upload_without_a_handler_digest_computes_it(company):
    result = services.file_upload(
        company_id=company.id, content=SimpleUploadedFile("a.txt", b"hello\n"), file_name="a.txt", category="documents"
    )
    assert result.file.sha256 == __import__("hashlib").sha256(b"hello\n").hexdigest()
    assert result.file.content_type == "text/plain"
