"""HTTP Digest authentication (RFC 2617, MD5, qop=auth) for ODK Collect over plain http.

Collect sends Basic credentials only over https; over http it answers a Digest challenge
(docs.getodk.org/openrosa-authentication). Nonces are stateless: ``time.hmac(secret, time)``,
so any API process can verify any other's challenge, and they expire (a stale nonce gets a
fresh challenge with ``stale=true``, which Collect answers without asking the user again).

The server keeps HA1 = md5("name:realm:token") per user (see :func:`ha1`), never needing the
token itself at verification time.

Hardening: only ``qop=auth`` is accepted (the old RFC 2069 mode without a client nonce and
count is refused); each (nonce, nc) pair is accepted once (``first_use``, kept in the
database by the caller), so a captured Authorization header cannot be replayed with another
body; an unknown user and a wrong token get the same answer (``BAD_CREDENTIALS``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

DEFAULT_REALM = "ttt"
BAD_CREDENTIALS = "wrong user name or token"
_DUMMY_HA1 = "0" * 32


def _md5(s: str) -> str:
    return hashlib.md5(s.encode("utf-8")).hexdigest()  # noqa: S324 - RFC 2617 mandates MD5


def ha1(username: str, realm: str, secret: str) -> str:
    """HA1 = MD5(username:realm:password), RFC 2617 section 3.2.2.2."""
    return _md5(f"{username}:{realm}:{secret}")


def make_nonce(key: bytes, now: float | None = None) -> str:
    """A signed, time-stamped nonce: ``base64(ts ":" hmac_sha256(key, ts))``."""
    ts = str(int(now if now is not None else time.time()))
    mac = hmac.new(key, ts.encode(), hashlib.sha256).hexdigest()
    return base64.urlsafe_b64encode(f"{ts}:{mac}".encode()).decode().rstrip("=")


def check_nonce(key: bytes, nonce: str, max_age: float, now: float | None = None) -> str:
    """``"ok"``, ``"stale"`` (genuine but expired) or ``"invalid"`` (forged or garbled)."""
    try:
        raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4)).decode()
        ts, mac = raw.split(":", 1)
        issued = int(ts)
    except (ValueError, UnicodeDecodeError):
        return "invalid"
    good = hmac.new(key, ts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(good, mac):
        return "invalid"
    age = (now if now is not None else time.time()) - issued
    if age < -60:  # issued in the future: clock games
        return "invalid"
    return "stale" if age > max_age else "ok"


def challenge(key: bytes, realm: str = DEFAULT_REALM, stale: bool = False,
              now: float | None = None) -> str:
    """The ``WWW-Authenticate`` value for a 401."""
    nonce = make_nonce(key, now)
    opaque = hashlib.sha256(key + b"opaque").hexdigest()[:32]
    value = (
        f'Digest realm="{realm}", qop="auth", algorithm=MD5, nonce="{nonce}", opaque="{opaque}"'
    )
    return value + (", stale=true" if stale else "")


_PARAM = re.compile(r'\s*([a-zA-Z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*(?:,|$)')


def parse_authorization(header: str) -> dict[str, str] | None:
    """Parse ``Digest k=v, k="v"`` into a dict; None when it is not a Digest header."""
    if not header:
        return None
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    out: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        m = _PARAM.match(rest, pos)
        if not m or m.end() == pos:
            return None
        k, v = m.group(1).lower(), m.group(2)
        if v.startswith('"'):
            v = re.sub(r"\\(.)", r"\1", v[1:-1])
        out[k] = v
        pos = m.end()
    return out


@dataclass(frozen=True)
class DigestResult:
    """``ok`` True when verified; ``stale`` True when only the nonce had expired."""

    ok: bool
    username: str | None = None
    stale: bool = False
    reason: str = ""


def response_for(ha1_hex: str, method: str, uri: str, nonce: str, nc: str, cnonce: str,
                 qop: str = "auth") -> str:
    """request-digest = MD5(HA1:nonce:nc:cnonce:qop:MD5(method:uri)), RFC 2617 3.2.2.1."""
    ha2 = _md5(f"{method}:{uri}")
    return _md5(f"{ha1_hex}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")


def verify(
    params: dict[str, str] | None,
    *,
    method: str,
    path: str,
    ha1_for: dict[str, str] | None = None,
    lookup=None,
    key: bytes,
    realm: str = DEFAULT_REALM,
    max_age: float = 300.0,
    now: float | None = None,
    first_use=None,
) -> DigestResult:
    """Verify a parsed Digest Authorization for ``method`` on ``path`` (path + query).

    HA1 comes from ``lookup(username)`` (or the ``ha1_for`` dict); None means no such user.
    ``first_use(nonce, nc)`` records the pair and says whether it is new (replays refused).
    """
    if not params:
        return DigestResult(False, reason="no Digest credentials")
    need = ("username", "realm", "nonce", "uri", "response")
    missing = [k for k in need if not params.get(k)]
    if missing:
        return DigestResult(False, reason=f"missing {', '.join(missing)}")
    user = params["username"]
    if params["realm"] != realm:
        return DigestResult(False, user, reason="wrong realm")
    if params.get("algorithm", "MD5").upper() != "MD5":
        return DigestResult(False, user, reason="only MD5 is supported")
    uri = params["uri"]
    if uri != path and not (uri.startswith(("http://", "https://")) and uri.endswith(path)):
        return DigestResult(False, user, reason="uri does not match the request")
    qop = params.get("qop")
    if qop != "auth":
        return DigestResult(False, user, reason="qop=auth is required")
    if not (params.get("nc") and params.get("cnonce")):
        return DigestResult(False, user, reason="qop=auth needs nc and cnonce")
    state = check_nonce(key, params["nonce"], max_age, now)
    if state == "invalid":
        return DigestResult(False, user, reason="nonce not issued by this server")
    h1 = lookup(user) if lookup is not None else (ha1_for or {}).get(user)
    # an unknown user costs the same work and gets the same words as a wrong token
    expected = response_for(h1 or _DUMMY_HA1, method, uri, params["nonce"], params["nc"], params["cnonce"])
    if not hmac.compare_digest(expected, params["response"].lower()) or not h1:
        return DigestResult(False, user, reason=BAD_CREDENTIALS)
    if state == "stale":
        return DigestResult(False, user, stale=True, reason="nonce expired")
    if first_use is not None and not first_use(params["nonce"], params["nc"].lower()):
        # a replayed header: answer with a fresh challenge (Collect retries transparently)
        return DigestResult(False, user, stale=True, reason="this authorization was already used")
    return DigestResult(True, user)


def authorization_header(username: str, secret: str, www_authenticate: str, method: str,
                         uri: str, nc: int = 1, cnonce: str = "0a4f113b") -> str:
    """Answer a challenge as a client would (used by tests and the CLI's self-check)."""
    params = parse_authorization(www_authenticate) or {}
    realm, nonce = params["realm"], params["nonce"]
    h1 = ha1(username, realm, secret)
    ncs = f"{nc:08x}"
    resp = response_for(h1, method, uri, nonce, ncs, cnonce)
    opaque = params.get("opaque")
    parts = [
        f'username="{username}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"',
        "algorithm=MD5", f'response="{resp}"', "qop=auth", f"nc={ncs}", f'cnonce="{cnonce}"',
    ]
    if opaque:
        parts.append(f'opaque="{opaque}"')
    return "Digest " + ", ".join(parts)
