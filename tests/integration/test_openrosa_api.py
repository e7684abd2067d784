"""ODK Collect over real HTTP: Digest challenge and answer, formList, form download, HEAD and
multipart POST /submission, resends, conflicts and bad submissions."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import pytest
from lxml import etree
from sqlalchemy import text

from corridors.ingest.digest import authorization_header
from tests.integration import ingest_factories as support
from tests.integration.ingest_factories import FMP, count_rows

live_url = support.live_url  # shared fixture
network = support.network  # shared fixture

pytestmark = pytest.mark.usefixtures("network")

RESP = "{http://openrosa.org/http/response}"
XL = "{http://openrosa.org/xforms/xformsList}"
COLLECT_HEADERS = {
    "X-OpenRosa-Version": "1.0",
    "User-Agent": "org.odk.collect.android/v2025.1.2 okhttp/4.12.0 Dalvik/2.1.0",
    "Accept-Encoding": "gzip",
}


def submission(instance_id: str | None = None, *, cattle: str = "120", flow_point: str = FMP,
               observed_at: str = "2026-02-03T07:15:00.000+00:00", extra: str = "") -> bytes:
    iid = instance_id or f"uuid:{uuid.uuid4()}"
    return f"""<?xml version='1.0' ?><data id="flow_monitoring" version="2026112401"
 xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">
<start>2026-02-03T07:10:00.000+00:00</start><end>2026-02-03T07:16:00.000+00:00</end>
<grp_site><flow_point>{flow_point}</flow_point><observed_at>{observed_at}</observed_at>
<location>14.4843 -4.196 271.3 4.8</location><direction>S</direction></grp_site>
<grp_count><cattle>{cattle}</cattle><sheep>40</sheep><goats>35</goats><camels>0</camels><donkeys>2</donkeys>
<horses>0</horses><other>0</other></grp_count>
<grp_herders><men>3</men><women>0</women><boys>2</boys><girls>0</girls></grp_herders>
<grp_move><origin>ML0506</origin><destination>BF5202</destination><flow_type>transit</flow_type>
<reason>pasture</reason><cross_border>yes</cross_border><has_certificate>no</has_certificate>
<already_counted>no</already_counted><notes>{extra}</notes></grp_move>
<meta><instanceID>{iid}</instanceID><instanceName>{flow_point}</instanceName></meta></data>""".encode()


@pytest.fixture
def collect(live_url, make_user):
    """An httpx client configured like ODK Collect: server URL, user name and token, Digest."""
    _, token = make_user("enumerator", name="amina")
    with httpx.Client(base_url=live_url + "/openrosa", headers=COLLECT_HEADERS,
                      auth=httpx.DigestAuth("amina", token), timeout=30) as c:
        c.token = token
        yield c


def post_xml(client, xml: bytes, attachments: dict[str, bytes] | None = None) -> httpx.Response:
    files = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    for name, data in (attachments or {}).items():
        files.append((name, (name, data, "image/jpeg")))
    return client.post("/submission", files=files)


def message(resp: httpx.Response) -> tuple[str, str]:
    doc = etree.fromstring(resp.content)
    assert doc.tag == f"{RESP}OpenRosaResponse"
    m = doc.find(f"{RESP}message")
    return m.get("nature"), m.text


def assert_openrosa_headers(resp: httpx.Response) -> None:
    assert resp.headers["X-OpenRosa-Version"] == "1.0"
    dates = resp.headers.get_list("Date")
    assert len(dates) == 1, dates  # one Date header, RFC 1123
    when = parsedate_to_datetime(dates[0])
    assert abs((datetime.now(UTC) - when).total_seconds()) < 300


def test_without_credentials_collect_gets_a_digest_challenge(live_url):
    r = httpx.get(live_url + "/openrosa/formList", headers=COLLECT_HEADERS)
    assert r.status_code == 401
    www = r.headers["WWW-Authenticate"]
    assert www.startswith("Digest ") and 'qop="auth"' in www and "nonce=" in www and 'realm="ttt"' in www
    assert_openrosa_headers(r)
    h = httpx.head(live_url + "/openrosa/submission", headers=COLLECT_HEADERS)
    assert h.status_code == 401 and h.headers["WWW-Authenticate"].startswith("Digest ")


def test_form_list_and_download_with_the_md5_of_the_bytes_served(collect):
    r = collect.get("/formList")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/xml")
    assert_openrosa_headers(r)
    doc = etree.fromstring(r.content)
    x = doc.find(f"{XL}xform")
    assert x.findtext(f"{XL}formID") == "flow_monitoring"
    url = x.findtext(f"{XL}downloadUrl")
    assert url.startswith(str(collect.base_url).rsplit("/openrosa", 1)[0])
    form = collect.get(url)
    assert form.status_code == 200 and form.headers["content-type"].startswith("text/xml")
    assert x.findtext(f"{XL}hash") == "md5:" + hashlib.md5(form.content).hexdigest()
    inst = etree.fromstring(form.content).find(".//{http://www.w3.org/2002/xforms}instance/*")
    assert inst.get("id") == "flow_monitoring" and inst.get("version") == x.findtext(f"{XL}version")


def test_head_submission_is_204_with_the_accepted_size(collect):
    r = collect.head("/submission")
    assert r.status_code == 204
    assert int(r.headers["X-OpenRosa-Accept-Content-Length"]) > 1_000_000
    assert_openrosa_headers(r)


def test_a_submission_is_201_a_resend_is_201_again_and_stored_once(collect, engine):
    xml = submission()
    first = post_xml(collect, xml, {"photo.jpg": b"\xff\xd8\xff\xe0fakejpeg"})
    assert first.status_code == 201, first.text
    assert message(first)[0] == "submit_success"
    assert_openrosa_headers(first)
    again = post_xml(collect, xml)
    assert again.status_code == 201 and "already" in message(again)[1]
    assert count_rows(engine, "observations") == 1
    assert count_rows(engine, "rule_queue") == 1
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT o.source, u.name, o.cattle, ST_X(o.geom), ST_Y(o.geom), o.movement, o.cross_border "
            "FROM observations o JOIN users u ON u.id = o.enumerator_id")).one()
    assert row == ("openrosa", "amina", 120, -4.196, 14.4843, "descent", True)


def test_a_changed_resubmission_with_the_same_instance_id_is_409(collect, engine):
    iid = f"uuid:{uuid.uuid4()}"
    assert post_xml(collect, submission(iid)).status_code == 201
    r = post_xml(collect, submission(iid, cattle="121"))
    assert r.status_code == 409
    nature, text_ = message(r)
    assert nature == "submit_error" and "same instance ID" in text_
    with engine.connect() as conn:
        assert conn.execute(text("SELECT cattle FROM observations")).scalar_one() == 120


def test_french_collect_gets_french_messages(collect):
    r = collect.post("/submission", files=[("xml_submission_file", ("s.xml", submission(), "text/xml"))],
                     headers={"Accept-Language": "fr-FR"})
    assert r.status_code == 201 and message(r)[1].startswith("Merci")
    bad = collect.post("/submission", files=[("xml_submission_file", ("s.xml", submission(cattle="-5"), "text/xml"))],
                       headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert bad.status_code == 400
    assert message(bad)[1] == ("Le comptage a été refusé : counts.cattle: nombre entier d'animaux de 0 à 100000 "
                               "attendu, reçu '-5' (négatif)")


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<data id="flow_monitoring"><notes>&d;</notes><meta><instanceID>uuid:0b5d0b8e-8f7e-4a55-9d0e-0f6f2f1d9a01</instanceID></meta></data>"""


@pytest.mark.parametrize(
    ("xml", "words"),
    [
        (b"<data id='flow_monitoring'><cattle>1</data>", "not well-formed XML"),
        (BOMB, "refused"),
        (submission(cattle="-5"), "counts.cattle"),
        (submission(cattle="douze"), "counts.cattle"),
        (submission(flow_point="ZZ-FMP-99"), "unknown flow point 'ZZ-FMP-99'"),
        (submission(observed_at="2099-01-01T00:00:00.000+00:00"), "future"),
        (submission().replace(b'id="flow_monitoring"', b'id="other_form"'), "other_form"),
        (submission().replace(b"<meta><instanceID>", b"<meta><x>").replace(b"</instanceID>", b"</x>"),
         "instanceID"),
    ],
    ids=["broken-xml", "entity-bomb", "negative-count", "wrong-type", "unknown-flow-point",
         "future-date", "unknown-form", "no-instance-id"],
)
def test_bad_submissions_are_400_with_a_message_the_enumerator_can_act_on(collect, engine, xml, words):
    r = post_xml(collect, xml)
    assert r.status_code == 400, r.text
    nature, text_ = message(r)
    assert nature == "submit_error" and words in text_
    assert count_rows(engine, "observations") == 0


def test_a_post_without_the_submission_part_is_400(collect):
    r = collect.post("/submission", files=[("something_else", ("a.xml", b"<a/>", "text/xml"))])
    assert r.status_code == 400 and "xml_submission_file" in message(r)[1]


def test_wrong_token_is_401_and_a_partner_is_403(live_url, make_user):
    make_user("enumerator", name="moussa")
    r = httpx.head(live_url + "/openrosa/submission", auth=httpx.DigestAuth("moussa", "wrong"),
                   headers=COLLECT_HEADERS)
    assert r.status_code == 401
    _, ptoken = make_user("partner", name="ong1")
    r = httpx.head(live_url + "/openrosa/submission", auth=httpx.DigestAuth("ong1", ptoken),
                   headers=COLLECT_HEADERS)
    assert r.status_code == 403


def test_an_expired_nonce_gets_a_stale_challenge(live_url, make_user):
    from corridors.ingest import digest
    from corridors.ingest.service import digest_key

    _, token = make_user("enumerator", name="fatou")
    old = digest.challenge(digest_key(), now=datetime.now(UTC).timestamp() - 3600)
    header = authorization_header("fatou", token, old, "HEAD", "/openrosa/submission")
    r = httpx.head(live_url + "/openrosa/submission", headers={**COLLECT_HEADERS, "Authorization": header})
    assert r.status_code == 401 and "stale=true" in r.headers["WWW-Authenticate"]


def test_basic_auth_works_too_for_https_deployments(live_url, make_user):
    _, token = make_user("enumerator", name="ibrahim")
    r = httpx.head(live_url + "/openrosa/submission", auth=("ibrahim", token), headers=COLLECT_HEADERS)
    assert r.status_code == 204


def test_a_body_beyond_the_accepted_size_is_413(collect, monkeypatch):
    from ttt.config import get_settings

    monkeypatch.setenv("TTT_MAX_BODY_BYTES", "2000")
    get_settings.cache_clear()
    try:
        from fastapi.testclient import TestClient

        from ttt.api.app import create_app

        with TestClient(create_app()) as small:
            big = submission(extra="x" * 5000)
            files = [("xml_submission_file", ("s.xml", big, "text/xml"))]
            r = small.post("/openrosa/submission", files=files,
                           headers={"Authorization": f"Basic {_b64('amina:' + collect.token)}"})
            assert r.status_code == 413
    finally:
        monkeypatch.delenv("TTT_MAX_BODY_BYTES")
        get_settings.cache_clear()


def _b64(s: str) -> str:
    import base64

    return base64.b64encode(s.encode()).decode()
