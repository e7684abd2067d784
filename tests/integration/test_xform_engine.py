"""The served XForm, filled and finalised by JavaRosa (the engine inside ODK Collect; its jar
ships with pyxform as ODK Validate): every record the phone can finalise is accepted by the
server, and every rule the server enforces is enforced by the form first, so nothing sits in
Collect's outbox refused forever."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from corridors.ingest.openrosa import load_form
from corridors.observations.schemas import ValidationOptions, validate_record
from tests.integration import ingest_factories as support
from tests.integration.ingest_factories import FMP
from tests.integration.test_openrosa_api import COLLECT_HEADERS

network = support.network  # shared fixture
live_url = support.live_url  # shared fixture

FILLER = Path(__file__).resolve().parents[1] / "xform" / "FillForm.java"
pytestmark = [pytest.mark.usefixtures("network"),
              pytest.mark.skipif(shutil.which("java") is None, reason="JavaRosa needs a Java runtime")]

HERD = {"flow_point": FMP, "cattle": "12", "flow_type": "transit", "already_counted": "no"}
FUTURE = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="milliseconds")

#: What an enumerator may try: answers given to the form -> the server's verdict on the same
#: record sent as JSON ("ok", or the field it refuses), and the form's own verdict.
CASES = {
    "herd at a flow point": (HERD, None, None),
    "mobile sighting, GPS only": ({**HERD, "flow_point": "", "location": "14.3 -4.2 0 5"}, None, None),
    "no flow point and no GPS": ({**HERD, "flow_point": ""}, "record", "required location"),
    "no animal at all": ({**HERD, "cattle": "0"}, "counts", "constraint other"),
    "too many animals": ({**HERD, "cattle": "100001"}, "counts.cattle", "constraint cattle"),
    "too many herders": ({**HERD, "men": "10001"}, "herders.men", "constraint men"),
    "count in the future": ({**HERD, "observed_at": FUTURE}, "observed_at", "constraint observed_at"),
    "count before 2000": ({**HERD, "observed_at": "1999-12-31T10:00:00.000Z"}, "observed_at", "constraint observed_at"),
    "GPS without a fix": ({**HERD, "flow_point": "", "location": "0 0 0 0"}, "location", "constraint location"),
    "origin too long": ({**HERD, "origin": "x" * 201}, "origin", "constraint origin"),
    "flow point code too long": ({**HERD, "flow_point": "P" * 65}, "flow_point", "constraint flow_point"),
    "notes too long": ({**HERD, "notes": "n" * 4001}, "notes", "constraint notes"),
    "zero report": ({"zero_report": "yes", "flow_point": FMP}, None, None),
    "zero report without a point": ({"zero_report": "yes"}, "flow_point", "required flow_point"),
}


def as_json(answers: dict[str, str]) -> dict:
    """The same answers as a JSON record, as the server reads the form's fields."""
    raw: dict = {"id": str(uuid.uuid4()), "observed_at": answers.get("observed_at", "2026-02-03T07:15:00+00:00")}
    for k in ("flow_point", "origin", "notes", "flow_type", "already_counted", "zero_report"):
        if answers.get(k):
            raw[k] = answers[k]
    if answers.get("location"):
        lat, lon = answers["location"].split()[:2]
        raw["location"] = {"lat": lat, "lon": lon}
    if answers.get("zero_report") != "yes":
        raw["counts"] = {"cattle": answers.get("cattle", "0")}
        raw["herders"] = {"men": answers.get("men", "0")}
    return raw


@pytest.fixture(scope="module")
def javarosa(tmp_path_factory) -> dict[str, str]:
    """Every case filled and finalised by JavaRosa in one JVM: case -> REFUSED ... or FINAL <xml>."""
    import pyxform

    jar = Path(pyxform.__file__).parent / "validators" / "odk_validate" / "bin" / "ODK_Validate.jar"
    work = tmp_path_factory.mktemp("xform")
    form = work / "form.xml"
    form.write_bytes(load_form().xml)
    files = []
    for i, (answers, _, _) in enumerate(CASES.values()):
        f = work / f"case{i}.txt"
        f.write_text("".join(f"{k}={v}\n" for k, v in answers.items()), encoding="utf-8")
        files.append(str(f))
    out = subprocess.run(["java", "-cp", str(jar), str(FILLER), str(form), *files], capture_output=True,
                         text=True, timeout=300, check=True).stdout
    blocks = out.split("=== ")[1:]
    assert len(blocks) == len(CASES), out
    return {name: block.split("\n", 1)[1].strip() for name, block in zip(CASES, blocks, strict=True)}


@pytest.mark.parametrize("case", list(CASES))
def test_the_form_refuses_exactly_what_the_server_refuses(case, javarosa):
    answers, server_field, form_verdict = CASES[case]
    verdict = validate_record(as_json(answers), 0, ValidationOptions(now=datetime.now(UTC)))
    assert (None if verdict.ok else verdict.errors[0]["field"]) == server_field, verdict.errors
    got = javarosa[case]
    if form_verdict is None:
        assert got.startswith("FINAL"), got
    else:
        assert got == f"REFUSED {form_verdict}"


def test_what_the_phone_finalises_the_server_accepts(javarosa, live_url, make_user, engine):
    _, token = make_user("enumerator", name="collect-engine")
    finals = {case: out.split("\n", 1)[1] for case, out in javarosa.items() if out.startswith("FINAL")}
    assert len(finals) == 3
    with httpx.Client(base_url=live_url + "/openrosa", headers=COLLECT_HEADERS,
                      auth=httpx.DigestAuth("collect-engine", token), timeout=30) as c:
        for case, xml in finals.items():
            r = c.post("/submission", files={"xml_submission_file": ("submission.xml", xml.encode(), "text/xml")})
            assert r.status_code == 201, (case, r.text)
            assert "Not used" not in r.text, (case, r.text)  # the server reads every answer of its own form
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM observations")).scalar_one() == 2
        assert conn.execute(text("SELECT count(*) FROM zero_reports")).scalar_one() == 1
