"""The one outbound policy: which URLs ttt may call (webhooks, the SMS gateway, hazard feeds).

A request leaves only for ``http``/``https`` URLs whose host resolves, every address of it,
to a public address. Loopback, private (RFC 1918, ULA), link-local (169.254.169.254, the
cloud metadata service), unspecified (0.0.0.0, ::), multicast, reserved, shared (CGNAT),
documentation ranges and their IPv4-mapped IPv6 forms (``::ffff:127.0.0.1``) are refused,
whatever the spelling: the host goes through ``getaddrinfo``, which turns decimal, hex and
octal spellings (``2130706433``, ``0x7f000001``, ``0177.0.0.1``) into the address they mean.
A deployment lets chosen networks through with ``TTT_OUTBOUND_ALLOW`` (CIDRs, comma
separated or a JSON list), e.g. an on-premises SMS gateway at ``10.0.0.5/32``.

The check runs when a URL is stored (a subscription) and again when the request is sent:
:func:`request` checks the URL, then connects through a network backend that resolves the
host itself and checks the very address it connects to (so a DNS answer that changes
between the check and the connection does not get through), never follows redirects and
ignores proxy environment variables. Refusals carry a short reason without the address
the name resolved to; :func:`mask_url` hides credentials and token-like query values.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from ttt.errors import TTTError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = ("http", "https")
# query keys whose values are masked (lower case, compared by substring)
SECRET_QUERY_KEYS = ("token", "key", "secret", "password", "passwd", "pwd", "sig", "auth", "access", "credential")


class OutboundRefused(TTTError):
    """A destination ttt will not call. ``detail`` is short and safe to show and store."""

    code = "outbound_refused"
    status = 422


def parse_allow(value: str | Iterable[str] | None) -> tuple[IPNetwork, ...]:
    """CIDRs from ``TTT_OUTBOUND_ALLOW``: a comma separated list or a JSON list."""
    if not value:
        return ()
    items: Iterable[str]
    if isinstance(value, str):
        text = value.strip()
        items = json.loads(text) if text.startswith("[") else text.split(",")
    else:
        items = value
    nets = []
    for item in items:
        item = str(item).strip()
        if item:
            nets.append(ipaddress.ip_network(item, strict=False))
    return tuple(nets)


@lru_cache(maxsize=8)
def _allow_cached(value: str) -> tuple[IPNetwork, ...]:
    return parse_allow(value)


def allowed_networks() -> tuple[IPNetwork, ...]:
    from ttt.config import get_settings  # settings may change in tests (cache_clear)

    return _allow_cached(get_settings().outbound_allow or "")


def _unmapped(addr: IPAddress) -> IPAddress:
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return addr.ipv4_mapped
        if addr.sixtofour is not None:
            return addr.sixtofour
        if addr.teredo is not None:
            return addr.teredo[1]
        # NAT64 well-known prefix 64:ff9b::/96 embeds an IPv4 address in its last 32 bits
        if addr in ipaddress.ip_network("64:ff9b::/96"):
            return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return addr


def is_public(addr: IPAddress) -> bool:
    """True for a globally routable unicast address (mapped IPv4 forms judged as IPv4)."""
    inner = _unmapped(addr)
    for a in {addr, inner}:
        if (a.is_loopback or a.is_private or a.is_link_local or a.is_unspecified or a.is_multicast
                or a.is_reserved or not a.is_global):
            return False
    return True


def address_allowed(addr: IPAddress | str, allow: tuple[IPNetwork, ...] | None = None) -> bool:
    if isinstance(addr, str):
        addr = ipaddress.ip_address(addr.split("%", 1)[0])
    allow = allowed_networks() if allow is None else allow
    if any(addr.version == net.version and addr in net for net in allow):
        return True
    inner = _unmapped(addr)
    if inner is not addr and any(inner.version == net.version and inner in net for net in allow):
        return True
    return is_public(addr)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (raises OSError when it does not resolve)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _split(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        raise OutboundRefused("the URL cannot be read") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise OutboundRefused("only http and https URLs are allowed")
    if not host:
        raise OutboundRefused("the URL has no host")
    return scheme, host, port or (443 if scheme == "https" else 80)


def check_url(url: str, *, unresolvable_ok: bool = False) -> None:
    """Raise :class:`OutboundRefused` unless ``url`` is http(s) to public (or allowed) addresses.

    ``unresolvable_ok``: accept a name that does not resolve now (when a URL is stored;
    it is checked again at send time), instead of refusing it.
    """
    _scheme, host, port = _split(url)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        if unresolvable_ok:
            return
        raise OutboundRefused("the host name does not resolve") from None
    allow = allowed_networks()
    if not addresses or not all(address_allowed(a, allow) for a in addresses):
        raise OutboundRefused("the destination is not a public address (loopback, private, "
                              "link-local or reserved addresses are refused)")


def mask_url(url: str | None) -> str | None:
    """``url`` with user:password and token-like query values replaced by ``***``."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = "***@" + netloc.rsplit("@", 1)[1]
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            query = urlencode([(k, "***" if any(s in k.lower() for s in SECRET_QUERY_KEYS) else v)
                               for k, v in pairs], safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        return "(unreadable URL)"


class _GuardedBackend:
    """An httpcore network backend that connects only to checked addresses (pins the check
    to the connection: the name is resolved here, once, and each address judged)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> Any:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError) as exc:
            import httpcore

            raise httpcore.ConnectError("the host name does not resolve") from exc
        allow = allowed_networks()
        if not addresses or not all(address_allowed(a, allow) for a in addresses):
            raise OutboundRefused("the destination is not a public address")
        last: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                               socket_options=socket_options)
            except Exception as exc:  # try the next address, as a resolver-driven connect would
                last = exc
        assert last is not None
        raise last

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def guarded_client(timeout_s: float, **kwargs: Any) -> httpx.Client:
    """An httpx client that never follows redirects, ignores proxy variables and connects
    only to addresses the policy allows (checked at connect time)."""
    transport = httpx.HTTPTransport(retries=0)
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is not None:  # best effort: httpx keeps its httpcore pool private
        pool._network_backend = _GuardedBackend(backend)
    return httpx.Client(timeout=timeout_s, follow_redirects=False, trust_env=False, transport=transport, **kwargs)


def request(method: str, url: str, *, timeout_s: float, client: httpx.Client | None = None,
            **kwargs: Any) -> httpx.Response:
    """One request through the policy. Raises :class:`OutboundRefused` for a refused
    destination (before any connection) and httpx errors for network trouble. Redirects
    are never followed (a 3xx comes back as it is)."""
    check_url(url)
    if client is not None:  # a caller's client (tests, a shared pool): same check, its transport
        return client.request(method, url, timeout=timeout_s, follow_redirects=False, **kwargs)
    with guarded_client(timeout_s) as own:
        return own.request(method, url, **kwargs)


# --- files read by GDAL (ttt import) ----------------------------------------------------------

# GDAL opens URLs and other files named *inside* a file (an OGR VRT's <SrcDataSource>, any
# /vsicurl/ path): an imported file could make the importing host fetch internal URLs.
_NETWORK_MARKERS = (b"/vsi", b"<ogrvrtdatasource", b"<vrtdataset")
SNIFF_BYTES = 1 << 16
GDAL_NO_NETWORK = {"CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".ttt-no-network", "GDAL_HTTP_MAX_RETRY": "0",
                   "GDAL_HTTP_TIMEOUT": "1", "GDAL_HTTP_PROXY": "127.0.0.1:9"}


def check_local_source(path: str | Any) -> None:
    """Raise :class:`OutboundRefused` for a GDAL source that could make ttt fetch something:
    a /vsi... or URL path, a VRT, or a text file naming /vsi paths or URLs in its first 64 KiB
    (binary formats such as GeoPackage and Shapefile are read as they are)."""
    name = str(path)
    lowered = name.lower()
    if lowered.startswith("/vsi") or "://" in lowered:
        raise OutboundRefused("only local files can be imported (no /vsi... or URL sources)")
    if lowered.endswith(".vrt"):
        raise OutboundRefused("VRT files are refused: they can name other files and URLs")
    try:
        with open(name, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return  # GDAL will say what is wrong with it
    if b"\0" in head[:512]:
        return  # binary (GeoPackage, Shapefile...)
    lowered_head = head.lower()
    if any(marker in lowered_head for marker in _NETWORK_MARKERS):
        raise OutboundRefused("the file names other data sources (VRT or /vsi... paths): refused")


def disable_gdal_network() -> None:
    """Make GDAL unable to reach the network in this process (belt and braces)."""
    try:
        from pyogrio import set_gdal_config_options
    except ImportError:  # pragma: no cover - pyogrio is a dependency of the import commands
        return
    set_gdal_config_options(GDAL_NO_NETWORK)
