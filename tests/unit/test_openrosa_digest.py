"""HTTP Digest (RFC 2617) challenge and verification, as ODK Collect performs it."""

from __future__ import annotations

import hashlib

from corridors.ingest.digest import (
    authorization_header,
    challenge,
    check_nonce,
    ha1,
    make_nonce,
    parse_authorization,
    verify,
)

KEY = b"server-secret"
T0 = 1_770_000_000.0


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def test_rfc2617_worked_example():
    # RFC 2617 section 3.5: Mufasa / Circle Of Life on /dir/index.html.
    from corridors.ingest.digest import response_for

    h1 = ha1("Mufasa", "testrealm@host.com", "Circle Of Life")
    got = response_for(h1, "GET", "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                       "00000001", "0a4f113b")
    assert got == "6629fae49393a05397450978507c4ef1"


def test_challenge_answer_round_trip():
    www = challenge(KEY, now=T0)
    params = parse_authorization(www.replace("Digest", "Digest", 1))
    assert params["qop"] == "auth" and params["realm"] == "ttt" and params["algorithm"] == "MD5"
    header = authorization_header("amina", "tok-123", www, "POST", "/openrosa/submission")
    res = verify(parse_authorization(header), method="POST", path="/openrosa/submission",
                 ha1_for={"amina": ha1("amina", "ttt", "tok-123")}, key=KEY, now=T0 + 5)
    assert res.ok and res.username == "amina"


def _answer(secret="tok-123", method="POST", uri="/openrosa/submission", now=T0):
    return parse_authorization(authorization_header("amina", secret, challenge(KEY, now=now),
                                                    method, uri))


def _verify(params, now=T0 + 5, path="/openrosa/submission", method="POST"):
    return verify(params, method=method, path=path, key=KEY, now=now,
                  lookup={"amina": ha1("amina", "ttt", "tok-123")}.get)


def test_wrong_token_unknown_user_wrong_uri_and_method_are_refused():
    # the same words for both: a stranger cannot learn which user names exist
    assert _verify(_answer(secret="nope")).reason == "wrong user name or token"
    p = _answer()
    p["username"] = "bob"
    assert _verify(p).reason == "wrong user name or token"
    assert not _verify(_answer(), path="/openrosa/formList").ok
    assert not _verify(_answer(), method="HEAD").ok


def test_an_expired_nonce_is_stale_so_collect_retries_without_asking_again():
    res = _verify(_answer(), now=T0 + 3600)
    assert not res.ok and res.stale
    assert "stale=true" in challenge(KEY, stale=True)


def test_a_forged_nonce_is_invalid_not_stale():
    p = _answer()
    forged = make_nonce(b"other-key", now=T0)
    p["nonce"] = forged
    res = _verify(p)
    assert not res.ok and not res.stale
    assert check_nonce(KEY, "garbage!!", 300, now=T0) == "invalid"


def test_header_parsing_handles_quotes_commas_and_other_schemes():
    p = parse_authorization('Digest username="a,b", realm="ttt", nc=00000001, uri="/x?y=1,2"')
    assert p == {"username": "a,b", "realm": "ttt", "nc": "00000001", "uri": "/x?y=1,2"}
    assert parse_authorization("Basic YTpi") is None
    assert parse_authorization("") is None


def test_missing_fields_are_named():
    res = _verify({"username": "amina"})
    assert not res.ok and "nonce" in res.reason
