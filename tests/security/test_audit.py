"""Audit trail: every write and every refused request is recorded, without bodies or tokens,
and admins (only) can read and filter it."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.ingest_factories import network  # noqa: F401  (fixture)
from ttt.api.audit import AuditMiddleware, safe_path, safe_query
from ttt.audit import AuditEntry
from ttt.config import get_settings


def _entries(session) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def _all_text(entries) -> str:
    return "\n".join(
        " ".join(str(getattr(e, c)) for c in ("user_name", "role", "method", "path", "client_ip", "request_id",
                                               "detail"))
        for e in entries
    )


def test_a_write_is_recorded_with_who_what_when_where_and_request_id(client, make_user, auth, session):
    _, admin = make_user("admin", name="chief")
    r = client.post("/api/v1/users", headers=auth(admin), json={"name": "field7", "role": "enumerator"})
    assert r.status_code == 201
    new_token = r.json()["token"]
    [e] = _entries(session)
    assert (e.user_name, e.role, e.method, e.path, e.status) == ("chief", "admin", "POST", "/api/v1/users", 201)
    assert e.request_id == r.headers["x-request-id"]
    assert e.client_ip == "testclient"
    assert e.at is not None and e.at.tzinfo is not None
    text = _all_text([e])
    assert new_token not in text and admin not in text and "enumerator" not in text  # no body, no token


def test_successful_reads_are_not_recorded_but_refused_ones_are(client, make_user, auth, session):
    _, analyst = make_user("analyst", name="ana")
    assert client.get("/api/v1/me", headers=auth(analyst)).status_code == 200
    assert _entries(session) == []
    assert client.get("/api/v1/users", headers=auth(analyst)).status_code == 403
    assert client.get("/api/v1/users").status_code == 401
    wrong = "ttt_" + "x" * 43
    assert client.get("/api/v1/users", headers=auth(wrong)).status_code == 401
    e403, e401, e401b = _entries(session)
    assert (e403.user_name, e403.role, e403.status, e403.detail) == ("ana", "analyst", 403, "forbidden")
    assert (e401.user_name, e401.status, e401.detail) == (None, 401, "unauthorized")
    assert e401b.status == 401
    assert wrong not in _all_text([e403, e401, e401b]) and analyst not in _all_text([e403, e401, e401b])


def test_refused_writes_and_oversized_bodies_are_recorded(client, make_user, auth, session):
    _, partner = make_user("partner", name="ngo")
    r = client.post("/api/v1/users", headers=auth(partner), json={"name": "x", "role": "admin"})
    assert r.status_code == 403
    big = b"{" + b" " * (get_settings().max_body_bytes + 1)
    r413 = client.post("/api/v1/users", headers={**auth(partner), "content-type": "application/json"}, content=big)
    assert r413.status_code == 413
    e1, e2 = _entries(session)
    assert (e1.method, e1.status, e1.user_name) == ("POST", 403, "ngo")
    assert (e2.status, e2.detail) == (413, None) or e2.status == 413
    assert e2.request_id == r413.headers["x-request-id"]


def test_credentials_in_paths_and_queries_never_reach_the_trail(client, make_user, auth, session):
    _, admin = make_user("admin")
    secret = "ttt_" + "S" * 43
    client.post(f"/api/v1/users/nobody/rotate?token={secret}&note=hi", headers=auth(admin))
    client.get(f"/api/v1/users?access_token={secret}")
    entries = _entries(session)
    assert len(entries) == 2
    text = _all_text(entries)
    assert secret not in text
    assert "note=hi" in text  # the harmless rest of the query is kept for the investigator


def test_path_and_query_redaction_rules():
    assert safe_path("/ack/abc.def.ghi", {"token": "abc.def.ghi"}) == "/ack/[redacted]"
    assert safe_path("/api/v1/users/bob/rotate", {"name": "bob"}) == "/api/v1/users/bob/rotate"
    assert "[redacted]" in safe_query("api_key=123&x=1") and "x=1" in safe_query("api_key=123&x=1")
    assert safe_query("") is None
    assert "+22790000000" not in safe_path("/api/v1/recipients/+22790000000", {})


def test_admins_read_filter_and_page_the_trail(client, make_user, auth):
    _, admin = make_user("admin", name="boss")
    _, analyst = make_user("analyst", name="ana")
    for i in range(5):
        client.post("/api/v1/users", headers=auth(admin), json={"name": f"u{i}", "role": "partner"})
    client.get("/api/v1/users", headers=auth(analyst))  # refused
    r = client.get("/api/v1/audit", headers=auth(admin), params={"limit": 2})
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == 6 and len(page["items"]) == 2
    assert page["items"][0]["status"] == 403  # newest first
    nxt = client.get(page["next"], headers=auth(admin)).json()
    assert [i["id"] for i in nxt["items"]] and not {i["id"] for i in nxt["items"]} & {i["id"] for i in page["items"]}
    refused = client.get("/api/v1/audit", headers=auth(admin), params={"refused": True}).json()
    assert refused["total"] == 1 and refused["items"][0]["user_name"] == "ana"
    by_user = client.get("/api/v1/audit", headers=auth(admin), params={"user": "boss", "method": "post"}).json()
    assert by_user["total"] == 5 and {i["status"] for i in by_user["items"]} == {201}
    by_path = client.get("/api/v1/audit", headers=auth(admin), params={"path_prefix": "/api/v1/users"}).json()
    assert by_path["total"] == 6
    rid = by_user["items"][0]["request_id"]
    assert client.get("/api/v1/audit", headers=auth(admin), params={"request_id": rid}).json()["total"] == 1
    since = by_user["items"][0]["at"]
    later = client.get("/api/v1/audit", headers=auth(admin), params={"since": since}).json()
    assert 1 <= later["total"] <= 6


def test_only_admins_read_the_trail(client, make_user, auth):
    for role in ("analyst", "partner", "enumerator"):
        _, token = make_user(role)
        assert client.get("/api/v1/audit", headers=auth(token)).status_code == 403
    assert client.get("/api/v1/audit").status_code == 401


def test_bad_filters_are_refused_with_the_field_named(client, admin_headers):
    r = client.get("/api/v1/audit", headers=admin_headers, params={"limit": 100000, "since": "yesterday"})
    assert r.status_code == 422
    fields = {p["field"] for p in r.json()["detail"]}
    assert {"query.limit", "query.since"} <= fields


def test_a_failing_audit_store_never_breaks_the_request(caplog):
    app = FastAPI()

    @app.post("/thing")
    def thing() -> dict:
        return {"ok": True}

    def broken_writer(entry):
        raise RuntimeError("database down")

    app.add_middleware(AuditMiddleware, writer=broken_writer)
    with TestClient(app) as c, caplog.at_level("WARNING", logger="ttt.audit"):
        r = c.post("/thing", headers={"Authorization": "Bearer ttt_" + "Z" * 43})
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert "audit entry not stored" in caplog.text and "/thing" in caplog.text
    assert "Z" * 43 not in caplog.text


def test_acknowledgement_links_are_blanked_in_the_trail(client, session):
    link_token = "eyJhIjoxfQ.c2lnbmF0dXJlLXZhbHVlLXRoYXQtaXMtbG9uZw"
    r = client.post(f"/ack/{link_token}", data={"name": "Amadou", "note": "vu"})
    assert r.status_code < 500
    entries = _entries(session)  # the old link's redirect, then the alert page it leads to
    assert [(e.method, e.path) for e in entries] == [("POST", "/ack/[redacted]"), ("POST", "/a/[redacted]")]
    assert link_token not in _all_text(entries) and "Amadou" not in _all_text(entries)


def test_odk_submissions_name_the_verified_user_and_failed_ones_only_the_claim(client, make_user, session, network):  # noqa: F811
    import base64

    from tests.integration.test_openrosa_api import submission

    _, token = make_user("enumerator", name="amina")
    files = [("xml_submission_file", ("submission.xml", submission(), "text/xml"))]
    good = "Basic " + base64.b64encode(f"amina:{token}".encode()).decode()
    bad = "Basic " + base64.b64encode(b"amina:ttt_wrong-token-guess-000000000000000").decode()
    ok = client.post("/openrosa/submission", files=files, headers={"Authorization": good})
    refused = client.post("/openrosa/submission", files=files, headers={"Authorization": bad})
    assert ok.status_code == 201, ok.text
    assert refused.status_code == 401
    first, second = _entries(session)
    assert first.user_name == "amina" and first.status == ok.status_code
    assert second.user_name is None and second.status == 401 and "claimed user 'amina'" in second.detail
    assert token not in _all_text([first, second]) and "wrong-token" not in _all_text([first, second])
