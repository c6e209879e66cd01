"""Findings of the security probe of the running hub, each replayed the way it was seen."""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import ratelimit
from accounts.models import ApiKey
from accounts.throttling import client_ip
from tests.conftest import free_port

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-pass!"


def _sign_in(api, username: str, password: str, **extra):
    return api.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json", **extra)


# --- 2: the admin login is limited and locks per account and per IP ---------------------------


def test_the_admin_login_locks_an_account_after_repeated_wrong_passwords(client, django_user_model):
    # given an operator
    django_user_model.objects.create_superuser("operator", "op@example.com", PASSWORD)
    # when 40 wrong passwords are tried
    for _ in range(40):
        wrong = client.post("/admin/login/", {"username": "operator", "password": "guess"})
        assert wrong.status_code == 200
    # then even the right one is refused, with a plain reason, and no session is opened
    right = client.post("/admin/login/", {"username": "operator", "password": PASSWORD})
    assert right.status_code == 200
    assert "Too many failed sign-ins" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_locks_an_ip_that_tries_many_accounts(client, django_user_model, settings):
    # given an operator, and an address that guessed at many other accounts
    django_user_model.objects.create_superuser("operator", "op@example.com", PASSWORD)
    for i in range(settings.LOGIN_FAILURES_PER_IP):
        client.post("/admin/login/", {"username": f"someone{i}", "password": "guess"})
    # when the operator signs in from that address
    response = client.post("/admin/login/", {"username": "operator", "password": PASSWORD})
    # then it is refused, while from another address it works
    assert "_auth_user_id" not in client.session
    assert "Too many failed sign-ins" in response.content.decode()
    elsewhere = client.post("/admin/login/", {"username": "operator", "password": PASSWORD}, REMOTE_ADDR="10.9.8.7")
    assert elsewhere.status_code == 302
    assert client.session["_auth_user_id"]


def test_the_api_login_locks_the_account_too_and_says_when_to_retry(api, owner):
    # given ten wrong passwords for one account, from ten addresses
    for i in range(10):
        assert _sign_in(api, owner.username, "guess", REMOTE_ADDR=f"10.0.0.{i}").status_code == 401
    # when the right password is sent from yet another address
    response = _sign_in(api, owner.username, PASSWORD, REMOTE_ADDR="10.0.1.1")
    # then the account is locked: 429 in the envelope, with the wait
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["statusCode"] == 429 and body["retryAfter"] >= 1
    assert response["Retry-After"] == str(body["retryAfter"])


# --- 3: the client IP is the hop the trusted proxies vouch for ----------------------------------


def test_varying_the_left_most_forwarded_hop_does_not_escape_the_login_limit(api, settings):
    # given one proxy in front of the hub, and a sign-in limit of 5 an hour per client (an
    # hour, so a slow run cannot straddle a window)
    settings.TRUST_X_FORWARDED_FOR = True
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AUTH_RATE_LIMIT = "5/h"
    # when one client sends 6 sign-ins, writing a different address in X-Forwarded-For each time
    codes = [
        _sign_in(api, f"nobody{i}@example.com", "guess", HTTP_X_FORWARDED_FOR=f"10.1.0.{i}, 203.0.113.5").status_code
        for i in range(6)
    ]
    # then the proxy's hop (the client's real address) is counted, and the 6th is refused
    assert codes == [401] * 5 + [429]


def test_the_client_ip_is_counted_from_the_right_by_the_number_of_trusted_proxies(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.2", REMOTE_ADDR="10.0.0.3")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.3"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "198.51.100.7"
    # fewer hops than proxies, or garbage where an address belongs: the socket's address
    settings.TRUSTED_PROXY_COUNT = 4
    assert client_ip(request) == "10.0.0.3"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(rf.get("/", HTTP_X_FORWARDED_FOR="not-an-ip", REMOTE_ADDR="10.0.0.3")) == "10.0.0.3"


# --- 7: deactivating a company stops its keys at once -----------------------------------------


def test_deactivating_a_company_stops_its_api_keys_on_the_next_request(api, company, make_key):
    # given a key whose data is cached by a first request
    headers = make_key(company)
    assert api.get("/api/v1/auth/me/", **headers).status_code == 200
    # when the company is deactivated
    company.is_active = False
    company.save()
    # then the very next request with the key is refused
    response = api.get("/api/v1/auth/me/", **headers)
    assert response.status_code == 401
    assert response.json()["message"] == "The company of this API key is deactivated."


# --- 10: a rotated key cannot be revived or rotated again --------------------------------------


def _rotate(api, headers, key_id, **body):
    return api.post(f"/api/v1/api-keys/{key_id}/rotate", body, format="json", **headers)


def test_a_rotated_key_whose_grace_ended_cannot_be_revived(api, owner_headers, company, make_key):
    # given a key rotated with no grace (so it has expired)
    key_headers = make_key(company)
    old = ApiKey.objects.get()
    assert _rotate(api, owner_headers, old.pk, graceHours=0).status_code == 201
    assert api.get("/api/v1/auth/me/", **key_headers).status_code == 401
    # when its owner moves its expiry a year ahead
    later = (timezone.now() + timedelta(days=365)).isoformat()
    response = api.patch(f"/api/v1/api-keys/{old.pk}", {"expiresAt": later}, format="json", **owner_headers)
    # then it is refused and the key stays dead
    assert response.status_code == 409, response.content
    assert api.get("/api/v1/auth/me/", **key_headers).status_code == 401


def test_a_key_in_its_grace_cannot_be_rotated_again_or_extended(api, owner_headers, company, make_key):
    make_key(company)
    old = ApiKey.objects.get()
    assert _rotate(api, owner_headers, old.pk).status_code == 201
    # rotating again during the grace would issue a second replacement
    assert _rotate(api, owner_headers, old.pk).status_code == 409
    assert ApiKey.objects.count() == 2
    # its grace can be ended early, never stretched
    old.refresh_from_db()
    sooner = (old.expires_at - timedelta(hours=1)).isoformat()
    later = (old.expires_at + timedelta(hours=1)).isoformat()
    assert (
        api.patch(f"/api/v1/api-keys/{old.pk}", {"expiresAt": later}, format="json", **owner_headers).status_code == 409
    )
    assert (
        api.patch(f"/api/v1/api-keys/{old.pk}", {"expiresAt": sooner}, format="json", **owner_headers).status_code
        == 200
    )


# --- 11: refresh tokens are single-use and die with a password change --------------------------


def test_a_refresh_token_works_once(api, owner):
    pair = _sign_in(api, owner.username, PASSWORD).json()
    first = api.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert first.status_code == 200 and first.json()["refresh"] != pair["refresh"]
    # the old one was blacklisted by the rotation
    again = api.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert again.status_code == 401
    # the new one works, once
    assert (
        api.post("/api/v1/auth/token/refresh/", {"refresh": first.json()["refresh"]}, format="json").status_code == 200
    )


def test_changing_the_password_revokes_outstanding_refresh_tokens(api, owner):
    # given two sessions' refresh tokens, one of them already rotated
    first = _sign_in(api, owner.username, PASSWORD).json()["refresh"]
    second = _sign_in(api, owner.username, PASSWORD).json()["refresh"]
    rotated = api.post("/api/v1/auth/token/refresh/", {"refresh": second}, format="json").json()["refresh"]
    # when the password changes
    owner.set_password("a-new-pass-2025!")
    owner.save()
    # then none of them refreshes any more
    for token in (first, rotated):
        assert api.post("/api/v1/auth/token/refresh/", {"refresh": token}, format="json").status_code == 401


def test_a_refresh_token_of_a_deleted_user_answers_401(api, owner):
    refresh = _sign_in(api, owner.username, PASSWORD).json()["refresh"]
    owner.delete()
    response = api.post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code == 401 and response.json()["statusCode"] == 401


# --- 13: a key created in the admin never travels in a cookie ----------------------------------


FULL_KEY = re.compile(r"ihk_[A-Za-z0-9_-]{43}")


@pytest.fixture
def operator_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("operator", "op@example.com", PASSWORD))
    return client


def test_a_key_created_in_the_admin_is_shown_in_the_answer_and_not_in_a_cookie(operator_client, company):
    response = operator_client.post(
        reverse("admin:accounts_apikey_add"),
        {"company": company.pk, "name": "POS", "scopes": ["orders:read"], "rate_limit": 100},
    )
    assert response.status_code == 200
    (raw,) = FULL_KEY.findall(response.content.decode())
    assert "messages" not in response.cookies
    assert "no-store" in response["Cache-Control"]
    # and the next page does not show it again
    assert raw not in operator_client.get(reverse("admin:accounts_apikey_changelist")).content.decode()


def test_keys_rotated_in_the_admin_are_shown_in_the_answer_and_not_in_a_cookie(operator_client, company, make_key):
    make_key(company)
    old = ApiKey.objects.get()
    response = operator_client.post(
        reverse("admin:accounts_apikey_changelist"), {"action": "rotate_keys", "_selected_action": [old.pk]}
    )
    assert response.status_code == 200
    assert len(FULL_KEY.findall(response.content.decode())) == 1
    assert "messages" not in response.cookies


# --- 14: deep JSON and far dates answer 400 or 200, never 500 ---------------------------------


def test_deeply_nested_json_answers_400_in_the_envelope(api, owner_headers):
    for depth in (1000, 100_000):
        body = '{"name": "k", "scopes": ' + "[" * depth + "]" * depth + "}"
        response = api.post("/api/v1/api-keys", body, content_type="application/json", **owner_headers)
        assert response.status_code == 400, (depth, response.content[:200])
        assert "nests too deeply" in response.json()["message"]


def test_json_within_the_depth_limit_is_accepted(api, owner_headers, settings):
    nested = {"a": None}
    for _ in range(settings.MAX_JSON_DEPTH - 2):
        nested = {"a": nested}
    response = api.post(
        "/api/v1/api-keys", {"name": "k", "scopes": ["orders:read"], "x": nested}, format="json", **owner_headers
    )
    assert response.status_code == 201, response.content[:300]


@pytest.mark.parametrize(
    "path", ["/api/v1/logs", "/api/v1/logs/webhooks", "/api/v1/orders", "/api/v1/payments", "/api/v1/messages"]
)
def test_the_last_representable_day_is_a_valid_end_date(api, owner_headers, path):
    response = api.get(path, {"startDate": "2025-11-01", "endDate": "9999-12-31"}, **owner_headers)
    assert response.status_code == 200, response.content[:300]


# --- 15: after a burst, the advertised wait is long enough ------------------------------------


def test_after_a_burst_retry_after_covers_the_sliding_window(api, company, make_key):
    # given a key allowed 10 a minute, spent in a burst inside one window
    headers = make_key(company, rate_limit=10)
    window_before = int(time.time()) // 60
    responses = [api.get("/api/v1/auth/me/", **headers) for _ in range(11)]
    if int(time.time()) // 60 != window_before:
        pytest.skip("the burst straddled a window boundary; the case under test needs one window")
    limited = responses[-1]
    assert limited.status_code == 429
    # then the wait reaches past the window's end by the share one request holds of the
    # next window (60 s / 10): at the window's end the burst still weighs in full
    to_window_end = (window_before + 1) * 60 - time.time()
    retry = int(limited["Retry-After"])
    assert retry >= to_window_end + 6 - 1
    assert int(limited["X-RateLimit-Reset"]) >= time.time() + retry - 2


def test_the_advertised_wait_is_exactly_when_the_next_request_fits(monkeypatch):
    # given the database fallback on a controlled clock, 10 s into a window
    clock = [1_800_000_000.0 - 1_800_000_000.0 % 60 + 10]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: clock[0]))
    verdicts = [ratelimit._database_hit("test:burst", limit=5, window_seconds=60) for _ in range(6)]
    # when the burst spends the limit
    refused = verdicts[-1]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False]
    # then the wait runs to the window's end (50 s) plus a fifth of the next (12 s)
    assert refused.retry_after == 62
    assert refused.reset_at == int(clock[0]) + 62
    assert verdicts[-2].reset_at == refused.reset_at  # the last admitted request said the same
    # a second before it the next request is still refused; at it, admitted
    clock[0] += 61
    assert not ratelimit._database_hit("test:burst", limit=5, window_seconds=60).allowed
    clock[0] += 1
    assert ratelimit._database_hit("test:burst", limit=5, window_seconds=60).allowed


# --- 18: the SMTP port is range-checked at registration -----------------------------------------


@pytest.mark.parametrize("port", [0, 70000, -25])
def test_an_smtp_port_outside_the_range_is_refused(api, owner_headers, port):
    response = api.post(
        "/api/v1/integrations",
        {"name": "Mail", "provider": "smtp", "config": {"host": "smtp.example.com", "port": port}},
        format="json",
        **owner_headers,
    )
    assert response.status_code == 400, response.content
    assert "port" in response.json()["details"]["config"]


# --- 20: the demo's inbound secrets are generated per install -----------------------------------


def test_the_demo_generates_its_secrets_per_install(company, other_company):
    from integrations import demo
    from integrations.models import Integration

    demo.seed(company)
    demo.seed(other_company)
    for name, _provider, _config in demo.DEMO:
        a = Integration.objects.get(company=company, name=name).credentials
        b = Integration.objects.get(company=other_company, name=name).credentials
        assert a and b
        for field, value in a.items():
            assert value != b[field], (name, field)
    published = {"demo-woocommerce-webhook-secret", "whsec_demo_placeholder_000000000000"}
    stored = {v for i in Integration.objects.all() for v in i.credentials.values()}
    assert not stored & published


# --- 19: errors written by gunicorn itself are the envelope ----------------------------------


def _raw_http(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.fixture
def gunicorn_port():
    port = free_port()
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "config/gunicorn_conf.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
        ]
        + ["--workers", "1", "--threads", "2"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while True:  # until it accepts connections
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(proc.stderr.read().decode()[-2000:])
            time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: localhost\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(120)) + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"y" * 9000 + b"\r\n\r\n", 431),
        (b"NOT A REQUEST\r\n\r\n", 400),
    ],
    ids=["request-line-too-long", "bad-header-name", "too-many-headers", "header-too-large", "garbage"],
)
def test_errors_written_by_gunicorn_are_the_json_envelope(gunicorn_port, request_bytes, status):
    code, headers, body = _raw_http(gunicorn_port, request_bytes)
    assert code == status
    assert headers["content-type"] == "application/json"
    envelope = json.loads(body)
    assert envelope["statusCode"] == status and envelope["message"] and envelope["details"] == {}
    assert b"aaaa" not in body  # the request is not echoed


# --- 21: deployment flags come from the environment, and check --deploy passes ------------------

PRODUCTION_ENV = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "hub.example.com",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


def test_check_deploy_is_clean_in_production_mode_with_the_documented_environment():
    # given production mode (PostgreSQL and Redis, as this suite runs) and the environment docs/security.md lists
    env = {**os.environ, **PRODUCTION_ENV, "SECRET_KEY": secrets.token_urlsafe(50)}
    assert env.get("DATABASE_URL") and env.get("REDIS_URL")
    # when Django's deployment checks run
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then they find nothing
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_flags_reach_the_settings():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_PROXY_SSL_HEADER)"
    )
    env = {**os.environ, **PRODUCTION_ENV, "SECRET_KEY": "x" * 60, "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.split() == ["True", "31536000", "True", "True", "('HTTP_X_FORWARDED_PROTO',", "'https')"]
