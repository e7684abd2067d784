"""Who may call what: every route of the app (walked from its OpenAPI document) x every role.

POLICY says, for each route, which roles may use it. The test calls every route as nobody,
enumerator, partner, analyst and admin with placeholder parameters and an empty body: a role
that may not use the route must get 401 (nobody) or 403, a role that may must get past
authorisation (any status except 401/403/5xx: 404 or 422 for the placeholders is fine).
A route missing from POLICY fails ``test_every_route_has_a_policy``: a new endpoint is never
left unreviewed.

Scopes on writes (a user scoped to some areas acting on another area's alerts, reports,
subscriptions, geodata) are the second axis of the matrix:
``tests/security/test_scopes_on_writes.py::test_scoped_write_matrix`` (it needs a database
cleaned per case, which this module's shared users do not give).
"""

from __future__ import annotations

import base64
import re

import pytest

from ttt.api.app import create_app

EVERYONE = frozenset({"enumerator", "partner", "analyst", "admin"})
STAFF = frozenset({"analyst", "admin"})
ADMIN = frozenset({"admin"})
FIELD = frozenset({"enumerator", "analyst", "admin"})
PUBLIC = "public"

# (methods, path regex, roles allowed or PUBLIC); first match wins.
POLICY: list[tuple[str, str, frozenset[str] | str]] = [
    ("GET HEAD", r"^/health$", PUBLIC),
    # users, audit
    ("GET", r"^/api/v1/me$", EVERYONE),
    ("GET POST", r"^/api/v1/users(/.*)?$", ADMIN),
    ("GET", r"^/api/v1/audit$", ADMIN),
    # geodata: everyone signed in reads the network; analysts and admins edit it
    ("GET", r"^/api/v1/(flow-points|hazards|admin-areas|resources|corridors|calendars|network)(/.*)?$", EVERYONE),
    ("POST PUT PATCH DELETE", r"^/api/v1/(flow-points|hazards|admin-areas|resources|corridors|calendars)(/.*)?$",
     STAFF),
    # hazard feeds: analysts and admins manage and pull them
    ("GET POST PATCH DELETE", r"^/api/v1/hazard-feeds(/.*)?$", STAFF),
    ("GET", r"^/ogc(/.*)?$", EVERYONE),
    # observations: field staff submit and read (enumerators their own); partners never see raw counts
    ("GET POST", r"^/api/v1/observations(\.csv)?$", FIELD),
    ("POST", r"^/api/v1/ingest/kobo$", FIELD),
    # review of counts, their history, data quality, KoBo mapping preview: data managers
    ("POST", r"^/api/v1/observations/[^/]+/review$", STAFF),
    ("GET", r"^/api/v1/observations/[^/]+/history$", STAFF),
    ("GET POST", r"^/api/v1/ingest/kobo/preview$", STAFF),
    ("GET PUT", r"^/api/v1/quality(/.*)?$", STAFF),
    ("GET HEAD POST", r"^/openrosa/.*$", FIELD),
    # statistics: partners read aggregated figures (in their scope), enumerators do not
    ("GET", r"^/api/v1/stats(/.*)?$", frozenset({"partner", "analyst", "admin"})),
    # rules: everyone may read the rule set in force; only staff run or replay it
    ("GET", r"^/api/v1/rules$", EVERYONE),
    ("POST", r"^/api/v1/rules/(evaluate|backtest)$", STAFF),
    # alerts: everyone reads (in scope; field staff must know what is happening) and reports events;
    # partners, analysts and admins acknowledge and resolve
    ("GET", r"^/api/v1/alerts(/.*)?$", EVERYONE),
    ("POST", r"^/api/v1/alerts$", EVERYONE),
    ("POST", r"^/api/v1/alerts/[^/]+/(acknowledge|resolve)$", frozenset({"partner", "analyst", "admin"})),
    # only analysts and admins give a verdict (confirm, dismiss)
    ("POST", r"^/api/v1/alerts/[^/]+/verify$", STAFF),
    # delivery configuration and its log: staff only (recipients are public officials' phones)
    ("GET POST PATCH DELETE", r"^/api/v1/(subscriptions|deliveries)(/.*)?$", STAFF),
]


def policy_for(method: str, path: str):
    for methods, pattern, allowed in POLICY:
        if method in methods.split() and re.match(pattern, path):
            return allowed
    return None


def _routes() -> list[tuple[str, str]]:
    doc = create_app().openapi()
    return sorted((m.upper(), p) for p, ops in doc["paths"].items() for m in ops
                  if m.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})


ROUTES = _routes()


def _fill(path: str) -> str:
    """Placeholder path parameters: an id nobody has."""
    return re.sub(r"\{[^}]+\}", lambda m: "999999" if m.group(0).endswith("id}") else "ZZ999", path)


def test_every_route_has_a_policy():
    unclassified = [f"{m} {p}" for m, p in ROUTES if policy_for(m, p) is None]
    assert unclassified == [], f"routes without an access policy in tests/security/test_matrix.py: {unclassified}"


def _credentials(path: str, name: str, token: str) -> dict[str, str]:
    if path.startswith("/openrosa/"):  # ODK Collect: Digest, or Basic name:token over https
        return {"Authorization": "Basic " + base64.b64encode(f"{name}:{token}".encode()).decode()}
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def clean_db():
    """No TRUNCATE per route (it costs ~1 s each): the matrix only touches placeholder ids."""
    yield


@pytest.fixture(scope="module")
def matrix_client(engine):
    from fastapi.testclient import TestClient

    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def role_users(engine) -> dict[str, tuple[str, str]]:
    """One user per role for the whole matrix: {role: (name, token)}."""
    import uuid

    from ttt.db import session_scope
    from ttt.users import create_user

    out = {}
    with session_scope() as s:
        for role in sorted(EVERYONE):
            name = f"matrix-{role}-{uuid.uuid4().hex[:6]}"
            _, token = create_user(s, name, role)
            out[role] = (name, token)
    return out


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_role_matrix(method, path, matrix_client, role_users):
    client = matrix_client
    allowed = policy_for(method, path)
    if allowed is None:
        pytest.fail(f"{method} {path} has no policy")
    url = _fill(path)
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    outcomes = {}
    r = client.request(method, url, json=body)
    outcomes["nobody"] = r.status_code
    for role in sorted(EVERYONE):
        name, token = role_users[role]
        r = client.request(method, url, json=body, headers=_credentials(path, name, token))
        outcomes[role] = r.status_code
    problems = []
    if allowed != PUBLIC and outcomes["nobody"] != 401:
        problems.append(f"nobody got {outcomes['nobody']}, expected 401")
    for who, status in outcomes.items():
        if status >= 500:
            problems.append(f"{who} got {status}")
        elif who == "nobody" or allowed == PUBLIC:
            continue
        elif who in allowed and status in (401, 403):
            problems.append(f"{who} is allowed but got {status}")
        elif who not in allowed and status != 403:
            problems.append(f"{who} is not allowed but got {status}, expected 403")
    assert not problems, f"{method} {path}: {'; '.join(problems)} (all: {outcomes})"
