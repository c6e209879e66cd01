"""Outbound HTTP: urllib3 pools and a requests adapter that dial the checked address, no redirects, capped answers."""

import threading
import time
from collections import OrderedDict
from typing import Any

import certifi
import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter

from core.outbound.errors import (
    OutboundConnectTimeout,
    OutboundError,
    OutboundTimeout,
    OutboundTLSError,
    OutboundTooLarge,
)
from core.outbound.outcome import redact
from core.outbound.policy import check_url, split_url

USER_AGENT = "IntegrationHub/1.0"

Timeout = float | tuple[float, float] | None


def timeouts(read: float | None = None) -> tuple[float, float]:
    """Return (connect, read) seconds: the caller's read timeout or the default, connect never longer."""
    read_s = float(read or settings.OUTBOUND_READ_TIMEOUT_SECONDS)
    return min(float(settings.OUTBOUND_CONNECT_TIMEOUT_SECONDS), read_s), read_s


# Pools keyed by the checked address, so keep-alive works without trusting DNS twice.
_POOLS: "OrderedDict[tuple, urllib3.HTTPConnectionPool]" = OrderedDict()
_POOLS_LOCK = threading.Lock()
_POOLS_MAX = 256


def pinned_pool(scheme: str, host: str, address: str, port: int, *, ca_bundle: str = "") -> urllib3.HTTPConnectionPool:
    """Return a urllib3 pool that dials `address` while TLS SNI and certificate checks use `host`."""
    bundle = ca_bundle or settings.OUTBOUND_CA_BUNDLE or certifi.where()
    key = (scheme, host, address, port, bundle)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is not None:
            _POOLS.move_to_end(key)
            return pool
        if scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address,
                port,
                maxsize=10,
                block=False,
                retries=False,
                cert_reqs="CERT_REQUIRED",
                ca_certs=bundle,
                server_hostname=host,
                assert_hostname=host,
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, port, maxsize=10, block=False, retries=False)
        _POOLS[key] = pool
        while len(_POOLS) > _POOLS_MAX:
            _, old = _POOLS.popitem(last=False)
            old.close()
        return pool


def _reason(exc: BaseException) -> str:
    """Return the innermost cause of a requests/urllib3 error, redacted (its text may name the URL)."""
    inner: Any = exc.args[0] if exc.args else exc
    inner = getattr(inner, "reason", inner)
    return redact(str(inner) or type(inner).__name__, limit=300)


class PinnedAdapter(HTTPAdapter):
    """A requests adapter for the seam: checks the URL, dials the checked address, caps the answer.

    Mount it (PinnedSession does) in any requests session, including an SDK's, so the SDK's
    calls obey the same policy. `truncate` keeps the first `max_bytes` of a larger answer
    (webhook attempts store it); otherwise a larger answer raises OutboundTooLarge.
    """

    def __init__(self, *, max_bytes: int | None = None, truncate: bool = False, ca_bundle: str = "") -> None:
        super().__init__(max_retries=0)
        self.max_bytes = max_bytes
        self.truncate = truncate
        self.ca_bundle = ca_bundle

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        target, address = check_url(request.url)
        assert address is not None
        if "Host" not in request.headers:
            # The request goes to an IP literal: the name travels in Host (and TLS SNI).
            request.headers["Host"] = target.host_header
        return pinned_pool(target.scheme, target.host, address, target.port, ca_bundle=self.ca_bundle)

    def cert_verify(self, conn, url, verify, cert) -> None:
        # The pool already requires a valid certificate for the URL's name: `verify=False` cannot relax it.
        pass

    def request_url(self, request, proxies) -> str:
        # No proxies: the request line is always the path, sent to the pinned address.
        return split_url(request.url).path

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None) -> requests.Response:
        if timeout is None:
            timeout = timeouts()
        elif not isinstance(timeout, tuple):
            timeout = timeouts(float(timeout))
        started = time.monotonic()
        host = split_url(request.url).host
        try:
            response = super().send(request, stream=True, timeout=timeout, verify=True, cert=None, proxies=None)
        except OutboundError:
            raise
        except requests.exceptions.ConnectTimeout as exc:
            raise OutboundConnectTimeout(f"{host} did not accept a connection within {timeout[0]:g} s.") from exc
        except requests.exceptions.ReadTimeout as exc:
            raise OutboundTimeout(f"{host} did not answer within {timeout[1]:g} s.") from exc
        except requests.exceptions.SSLError as exc:
            raise OutboundTLSError(f"{host}: the TLS handshake failed: {_reason(exc)}") from exc
        except requests.exceptions.RequestException as exc:
            raise OutboundError(f"Cannot reach {host}: {_reason(exc)}") from exc
        self._read_capped(response, host=host, deadline=started + timeout[0] + timeout[1])
        return response

    def _read_capped(self, response: requests.Response, *, host: str, deadline: float) -> None:
        """Read the body into the response, at most max_bytes, within the deadline."""
        limit = self.max_bytes if self.max_bytes is not None else settings.OUTBOUND_RESPONSE_MAX_BYTES
        chunks: list[bytes] = []
        size = 0
        cut = False
        raw = response.raw
        try:
            while size <= limit:
                if time.monotonic() >= deadline:
                    if not self.truncate:
                        raise OutboundTimeout(f"{host} did not finish its answer in time.")
                    cut = True
                    break
                chunk = raw.read(min(65536, limit + 1 - size), decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > limit:
                cut = True
                if not self.truncate:
                    raise OutboundTooLarge(f"{host} answered more than {limit} bytes; the answer is not read.")
        except OutboundError:
            raise  # an OSError too (through requests' base class), but ours to pass on
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if not self.truncate:
                raise OutboundTimeout(f"{host} broke off its answer: {type(exc).__name__}.") from exc
            cut = True
        finally:
            if cut or size > limit:
                raw.close()  # unread bytes make the connection unusable
            raw.release_conn()
        response._content = b"".join(chunks)[:limit]
        response._content_consumed = True
        response.truncated = cut  # type: ignore[attr-defined]


class PinnedSession(requests.Session):
    """A requests session whose every call goes through the seam; redirects are answers, never followed."""

    def __init__(self, *, max_bytes: int | None = None, truncate: bool = False, ca_bundle: str = "") -> None:
        super().__init__()
        self.trust_env = False  # no proxies or .netrc from the environment
        self.headers["User-Agent"] = USER_AGENT
        adapter = PinnedAdapter(max_bytes=max_bytes, truncate=truncate, ca_bundle=ca_bundle)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None  # a 3xx is the answer: following it could lead anywhere the check did not see


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    data: Any = None,
    json_body: Any = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> requests.Response:
    """Send one HTTP request through the seam and return the answer (any status), or raise OutboundError."""
    check_url(url, resolve=False)  # a refused URL fails before requests parses it
    with PinnedSession(max_bytes=max_bytes) as session:
        try:
            return session.request(
                method,
                url,
                headers=headers,
                auth=auth,
                data=data,
                json=json_body,
                timeout=timeouts(timeout),
                allow_redirects=False,
            )
        except OutboundError:
            raise
        except requests.exceptions.RequestException as exc:  # e.g. an invalid header value
            raise OutboundError(f"The request could not be sent: {_reason(exc)}") from exc
