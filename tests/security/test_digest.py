"""OpenRosa Digest hardening: a captured Authorization header cannot be replayed with
another body, the old mode without qop is refused, an unknown user and a wrong token get
the same 401, and anonymous attempts in a user's name do not drain that user's bucket."""

from __future__ import annotations

import uuid

from corridors.ingest.digest import authorization_header, challenge
from corridors.ingest.service import digest_key
from tests.integration.test_ingest_support import network as network  # noqa: F401  (fixture)
from tests.integration.test_openrosa_api import COLLECT_HEADERS, submission
from ttt.api.ratelimit import caller_key

URI = "/openrosa/submission"


def _post(client, header: str, xml: bytes):
    files = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    return client.post(URI, files=files, headers={**COLLECT_HEADERS, "Authorization": header})


def _count(engine) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM observations")).scalar_one()


def test_a_captured_authorization_cannot_be_replayed_with_another_body(client, make_user, engine, network):
    _, token = make_user("enumerator", name="amina")
    header = authorization_header("amina", token, challenge(digest_key()), "POST", URI, nc=1,
                                  cnonce=uuid.uuid4().hex[:16])
    first = _post(client, header, submission())
    assert first.status_code == 201, first.text
    replay = _post(client, header, submission(cattle="999"))
    assert replay.status_code == 401 and "stale=true" in replay.headers["WWW-Authenticate"]
    assert _count(engine) == 1
    # the next request count of the same nonce is fine (Collect sends nc=2, 3...)
    nxt = authorization_header("amina", token, f'Digest realm="ttt", nonce="{_nonce(header)}", qop="auth"',
                               "POST", URI, nc=2, cnonce=uuid.uuid4().hex[:16])
    assert _post(client, nxt, submission()).status_code == 201


def _nonce(header: str) -> str:
    from corridors.ingest.digest import parse_authorization

    return parse_authorization(header)["nonce"]


def test_digest_without_qop_is_refused(client, make_user, network):
    from corridors.ingest.digest import _md5, ha1

    _, token = make_user("enumerator", name="ousmane")
    nonce = _nonce(authorization_header("ousmane", token, challenge(digest_key()), "POST", URI))
    h1 = ha1("ousmane", "ttt", token)
    response = _md5(f"{h1}:{nonce}:{_md5(f'POST:{URI}')}")  # RFC 2069: no cnonce, no count
    header = f'Digest username="ousmane", realm="ttt", nonce="{nonce}", uri="{URI}", response="{response}"'
    assert _post(client, header, submission()).status_code == 401


def test_unknown_user_and_wrong_token_get_the_same_answer(client, make_user, network):
    make_user("enumerator", name="kadi")
    answers = []
    for name in ("kadi", "nobody-by-that-name"):
        header = authorization_header(name, "ttt_wrong", challenge(digest_key()), "POST", URI)
        r = _post(client, header, submission())
        answers.append((r.status_code, r.text))
    assert answers[0] == answers[1] and answers[0][0] == 401


def test_strangers_using_a_name_do_not_share_that_users_bucket():
    header = [(b"authorization", b'Digest username="amina", realm="ttt"')]
    mine, _ = caller_key({"headers": header, "client": ("41.0.0.7", 1)})
    theirs, _ = caller_key({"headers": header, "client": ("198.51.100.9", 1)})
    assert mine != theirs
