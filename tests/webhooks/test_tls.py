"""HTTPS receivers: the validated IP is dialled while SNI, certificate checks and Host use the URL's name."""

import datetime
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.http import Answer, Request, StandIn
from webhooks import client


def self_signed(tmp_path, name: str) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver on 127.0.0.1 holding a certificate for hooks.test; records SNI and Host."""
    cert, key = self_signed(tmp_path, "hooks.test")
    seen: dict[str, list] = {"sni": [], "host": []}
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)

    def respond(request: Request) -> Answer:
        seen["host"].append(request.headers["Host"])
        return Answer(204, b"")

    with StandIn(respond, tls=context) as server:
        yield server.port, cert, seen


@pytest.fixture
def hooks_test_resolves_to_loopback(monkeypatch):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in ("hooks.test", "other.test"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_https_dials_the_checked_ip_with_the_names_sni_and_host(
    tls_receiver, hooks_test_resolves_to_loopback, settings
):
    # given
    port, cert, seen = tls_receiver
    settings.WEBHOOK_CA_BUNDLE = cert
    # when
    result = client.post(f"https://hooks.test:{port}/hook", body=b"{}", headers={})
    # then
    assert result.status_code == 204, result.error
    assert seen["sni"] == ["hooks.test"]
    assert seen["host"] == [f"hooks.test:{port}"]


def test_a_certificate_for_another_name_is_refused(tls_receiver, hooks_test_resolves_to_loopback, settings):
    port, cert, seen = tls_receiver
    settings.WEBHOOK_CA_BUNDLE = cert
    result = client.post(f"https://other.test:{port}/hook", body=b"{}", headers={})
    assert result.status_code is None and result.error_kind in ("tls", "connection")
    assert seen["host"] == []


def test_an_untrusted_certificate_is_refused(tls_receiver, hooks_test_resolves_to_loopback, settings):
    port, _, seen = tls_receiver
    settings.WEBHOOK_CA_BUNDLE = ""  # public roots only
    result = client.post(f"https://hooks.test:{port}/hook", body=b"{}", headers={})
    assert result.status_code is None and "certificate" in result.error.lower()
    assert seen["host"] == []
