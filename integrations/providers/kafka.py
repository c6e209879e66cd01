"""Apache Kafka (any Kafka-protocol broker): bootstrap servers, TLS/SASL credentials, a metadata check.

The hub talks to Kafka through confluent-kafka (librdkafka), which opens its own sockets:
the HTTP seam of core.outbound cannot carry them. So the SSRF policy is applied here, to
every bootstrap server and to every broker the cluster advertises in its metadata, with
`core.outbound.resolve_checked` (the same rules and the same development switch).

What this pins and what it cannot: for PLAINTEXT and SASL_PLAINTEXT the bootstrap servers
are handed to librdkafka as the addresses that were checked, so the first connection goes
exactly where the policy looked. With TLS the bootstrap name is kept (the certificate is
verified against it), and librdkafka resolves it again itself. The brokers advertised in
the metadata are checked when a client is created (`client_config(..., check_brokers=True)`
fetches the metadata and refuses a cluster that advertises a non-public address), but
librdkafka resolves and dials them itself afterwards: its connections are pinned only to
the addresses checked at configuration time, not re-checked per connection (librdkafka's
resolve and connect callbacks are not exposed by the Python client). A DNS answer that
changes between the check and a later reconnection is therefore not caught for Kafka.
"""

import time
from collections.abc import Mapping
from typing import Any

import certifi
from django.conf import settings

from core import outbound
from integrations.providers.base import CheckResult, ConfigField, Provider

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
DEFAULT_PORT = 9092


class KafkaConfigError(ValueError):
    """The integration's Kafka settings are unusable or refused by the outbound policy (message is safe to show)."""


def bootstrap_servers(values: Mapping[str, Any]) -> list[tuple[str, int]]:
    """Return the (host, port) pairs of `bootstrapServers`, or raise KafkaConfigError."""
    raw = str(values.get("bootstrapServers") or "").strip()
    if not raw:
        raise KafkaConfigError("bootstrapServers is required (comma-separated host:port).")
    servers: list[tuple[str, int]] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        if "://" in item or "@" in item or "/" in item:
            raise KafkaConfigError(f"{item!r} is not host:port.")
        host, sep, port_text = item.rpartition(":")
        if not sep:
            host, port_text = item, str(DEFAULT_PORT)
        host = host.strip("[]")
        try:
            port = int(port_text)
        except ValueError:
            raise KafkaConfigError(f"{item!r} has no numeric port.") from None
        if not host:
            raise KafkaConfigError(f"{item!r} has no host.")
        servers.append((host, port))
    if not servers:
        raise KafkaConfigError("bootstrapServers is required (comma-separated host:port).")
    return servers


def _checked(host: str, port: int) -> str:
    try:
        return outbound.resolve_checked(host, port)
    except outbound.OutboundError as exc:
        raise KafkaConfigError(str(exc)) from exc


def client_config(values: Mapping[str, Any], *, check_brokers: bool = False) -> dict[str, Any]:
    """Return the librdkafka settings of an integration, after the SSRF policy checked its servers.

    `check_brokers` also fetches the cluster metadata and refuses a cluster whose advertised
    brokers resolve to refused addresses (done once when a long-lived client is created).
    """
    protocol = str(values.get("securityProtocol") or "PLAINTEXT").upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise KafkaConfigError(f"securityProtocol must be one of {', '.join(SECURITY_PROTOCOLS)}.")
    tls = protocol in ("SSL", "SASL_SSL")
    bootstrap = []
    for host, port in bootstrap_servers(values):
        address = _checked(host, port)
        # Without TLS, dial the checked address itself; with TLS keep the name for certificate checks.
        target = host if tls else address
        bootstrap.append(f"[{target}]:{port}" if ":" in target else f"{target}:{port}")
    config: dict[str, Any] = {
        "bootstrap.servers": ",".join(bootstrap),
        "security.protocol": protocol,
        "client.id": str(values.get("clientId") or "integration-hub"),
        "socket.connection.setup.timeout.ms": int(settings.STREAMING_CONNECT_TIMEOUT_SECONDS * 1000),
    }
    if tls:
        config["ssl.ca.location"] = certifi.where()
        config["ssl.endpoint.identification.algorithm"] = "https"
    if protocol.startswith("SASL"):
        mechanism = str(values.get("saslMechanism") or "PLAIN").upper()
        if mechanism not in SASL_MECHANISMS:
            raise KafkaConfigError(f"saslMechanism must be one of {', '.join(SASL_MECHANISMS)}.")
        config.update(
            {
                "sasl.mechanism": mechanism,
                "sasl.username": str(values.get("saslUsername") or ""),
                "sasl.password": str(values.get("saslPassword") or ""),
            }
        )
    if check_brokers:
        metadata_check(config)
    return config


def metadata_check(config: Mapping[str, Any]) -> Any:
    """Fetch the cluster metadata and refuse advertised brokers the policy refuses; return the metadata."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(dict(config))
    try:
        metadata = admin.list_topics(timeout=settings.STREAMING_CONNECT_TIMEOUT_SECONDS)
    except KafkaException as exc:
        raise KafkaConfigError(f"The cluster did not answer with its metadata: {exc.args[0].str()}.") from None
    for broker in metadata.brokers.values():
        _checked(broker.host, int(broker.port))
    return metadata


def check(values: Mapping[str, Any]) -> CheckResult:
    started = time.monotonic()
    try:
        metadata = metadata_check(client_config(values))
    except KafkaConfigError as exc:
        return CheckResult("error", latency_ms=int((time.monotonic() - started) * 1000), error=str(exc))
    latency = int((time.monotonic() - started) * 1000)
    if not metadata.brokers:
        return CheckResult("unhealthy", latency_ms=latency, error="The cluster advertised no brokers.")
    return CheckResult("healthy", latency_ms=latency)


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 175

PROVIDER = Provider(
    key="kafka",
    label="Apache Kafka",
    category="generic",
    fields=(
        ConfigField("bootstrapServers", "Bootstrap servers (host:port, comma-separated)", required=True),
        ConfigField("securityProtocol", "Security protocol", default="PLAINTEXT", help=", ".join(SECURITY_PROTOCOLS)),
        ConfigField("saslMechanism", "SASL mechanism", default="PLAIN", help=", ".join(SASL_MECHANISMS)),
        ConfigField("saslUsername", "SASL username"),
        ConfigField("saslPassword", "SASL password", secret=True),
        ConfigField("clientId", "Client id", default="integration-hub"),
    ),
    check=check,
    inbound=None,
    inbound_help="Kafka has no receiver URL: subscribe topics with POST /api/v1/event-sources.",
)
