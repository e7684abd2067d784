"""OpenRosa 1.0 for ODK Collect: the served XForm, formList, OpenRosaResponse and submissions.

Sources: docs.getodk.org/openrosa-http, openrosa-form-list, openrosa-form-submission. Pure: lxml
and pyxform only; the router adds HTTP status codes and headers.

Submissions are parsed with a hardened lxml parser (no entity resolution, no network, no DTD
loading, no huge trees), and any document that declares a DTD is refused outright: a flow count
never needs one, and refusing it closes entity-expansion ("billion laughs") and external-entity
attacks whatever the parser version.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from corridors.observations.schemas import HERDERS, SPECIES

FORMS_DIR = Path(__file__).resolve().parent / "forms"
DEFAULT_XLSFORM = FORMS_DIR / "flow_monitoring.xlsx"

XFORMS_LIST_NS = "http://openrosa.org/xforms/xformsList"
RESPONSE_NS = "http://openrosa.org/http/response"
OPENROSA_VERSION = "1.0"

#: Contract fields copied as they are (after the optional field map renames an element).
TOP_FIELDS = (
    "flow_point", "observed_at", "direction", "origin", "destination", "flow_type", "reason",
    "cross_border", "has_certificate", "already_counted", "notes", "replaces",
    "zero_report", "period_from", "period_to",
)

#: Form plumbing every ODK/KoBo form may carry (metadata questions, meta block): never data,
#: so never reported as ignored. ``deprecatedID`` is read (an edit), ``instanceID`` too.
FORM_METADATA = frozenset((
    "start", "end", "today", "deviceid", "phonenumber", "username", "email", "simserial",
    "subscriberid", "audit", "background-audit", "instanceName", "rootUuid", "uuid", "__version__",
))


# --------------------------------------------------------------------------- the form


@dataclass(frozen=True)
class ServedForm:
    """An XForm exactly as served: its bytes, their md5 (formList ``hash``), id and version."""

    form_id: str
    version: str
    title: str
    xml: bytes

    @property
    def md5(self) -> str:
        return hashlib.md5(self.xml).hexdigest()  # noqa: S324 - OpenRosa mandates md5

    @property
    def hash(self) -> str:
        return f"md5:{self.md5}"


@lru_cache(maxsize=8)
def _convert(path: str, mtime_ns: int, size: int) -> ServedForm:
    from pyxform.xls2xform import convert  # slow import; only when a form is first served

    result = convert(xlsform=path, validate=False, pretty_print=True)
    xml = result.xform.encode("utf-8")
    root = etree.fromstring(xml, parser=_safe_parser())
    inst = root.find(".//{http://www.w3.org/2002/xforms}instance/*")
    title = root.findtext(".//{http://www.w3.org/1999/xhtml}title") or ""
    if inst is None or not inst.get("id"):
        raise ValueError(f"{path}: the XForm has no primary instance with an id")
    return ServedForm(inst.get("id", ""), inst.get("version", ""), title, xml)


def load_form(path: str | os.PathLike[str] = DEFAULT_XLSFORM) -> ServedForm:
    """Convert an XLSForm with pyxform, cached until the file changes (mtime or size)."""
    p = Path(path).resolve()
    st = p.stat()
    return _convert(str(p), st.st_mtime_ns, st.st_size)


def form_list_xml(forms: list[ServedForm], download_url: Mapping[str, str]) -> bytes:
    """The ``/formList`` document (xformsList namespace), one ``<xform>`` per form."""
    root = etree.Element("xforms", nsmap={None: XFORMS_LIST_NS})
    for f in forms:
        x = etree.SubElement(root, "xform")
        for tag, text in (
            ("formID", f.form_id), ("name", f.title), ("version", f.version),
            ("hash", f.hash), ("downloadUrl", download_url[f.form_id]),
        ):
            etree.SubElement(x, tag).text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def openrosa_response(message: str, nature: str = "submit_success") -> bytes:
    """An ``<OpenRosaResponse>`` body; Collect shows ``message`` to the enumerator."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OpenRosaResponse xmlns="{RESPONSE_NS}">'
        f'<message nature="{escape(nature, {chr(34): "&quot;"})}">{escape(message)}</message>'
        "</OpenRosaResponse>"
    ).encode()


# --------------------------------------------------------------------------- submissions


class SubmissionError(ValueError):
    """A submission we cannot read at all (as opposed to a readable one with bad values)."""

    def __init__(self, message: str, code: str = "bad_xml"):
        super().__init__(message)
        self.code = code


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
        dtd_validation=False, remove_pis=True, collect_ids=False,
    )


@dataclass
class Submission:
    """What a submission says: its instance id, form id/version, and a raw observation dict."""

    instance_id: str | None
    form_id: str | None
    form_version: str | None
    raw: dict[str, Any]
    ignored: list[str] = field(default_factory=list)


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def geopoint_to_location(value: str) -> dict[str, Any] | None:
    """ODK geopoint ``"lat lon alt acc"`` -> ``{"lon": .., "lat": ..}`` (GeoJSON order).

    Unparsable text is passed through as-is so validation names the field and the value.
    """
    parts = value.split()
    if not parts:
        return None
    if len(parts) < 2:
        return {"lon": None, "lat": value}
    return {"lon": parts[1], "lat": parts[0]}


def parse_submission(
    data: bytes, field_map: Mapping[str, str] | None = None, max_bytes: int = 10_000_000
) -> Submission:
    """Read one ODK submission: leaves by local name at any depth, so groups do not matter.

    ``field_map`` renames form element names to contract names (e.g. ``{"nb_bovins": "cattle"}``).
    Raises :class:`SubmissionError` for unreadable XML, a DTD, or a duplicated field.
    """
    if len(data) > max_bytes:
        raise SubmissionError(f"submission is larger than {max_bytes} bytes", "too_large")
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise SubmissionError(
            "submission declares a DTD or entities, which are refused (entity expansion and "
            "external entities are not allowed)", "dtd_forbidden"
        )
    try:
        root = etree.fromstring(data, parser=_safe_parser())
    except etree.XMLSyntaxError as exc:
        raise SubmissionError(f"submission is not well-formed XML: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise SubmissionError("submission declares a DTD, which is refused", "dtd_forbidden")
    fmap = dict(field_map or {})
    raw: dict[str, Any] = {}
    counts: dict[str, Any] = {}
    herders: dict[str, Any] = {}
    seen: dict[str, str] = {}
    ignored: list[str] = []
    instance_id: str | None = None
    for el in root.iter():
        if not isinstance(el.tag, str) or len(el):
            continue  # comments, PIs, and groups (we read leaves)
        name = _local(el.tag)
        text = (el.text or "").strip()
        if name == "instanceID":
            instance_id = text or None
            continue
        if name == "deprecatedID":
            name = "replaces"  # an edit: meta/deprecatedID names the instance it replaces
        name = fmap.get(name, name)
        target: dict[str, Any] | None
        if name in SPECIES:
            target = counts
        elif name in HERDERS:
            target = herders
        elif name in TOP_FIELDS or name == "location":
            target = raw
        else:
            if name not in FORM_METADATA and text:
                ignored.append(name)
            continue
        path = root.getroottree().getpath(el)
        if name in seen:
            raise SubmissionError(
                f"field {name!r} appears twice ({seen[name]} and {path}); expected it once",
                "duplicate_field",
            )
        seen[name] = path
        if name == "location":
            if text:
                raw["location"] = geopoint_to_location(text)
            continue
        if text == "":
            continue  # unanswered: defaults apply (0 for counts)
        target[name] = text
    if counts:
        raw["counts"] = counts
    if herders:
        raw["herders"] = herders
    if instance_id is not None:
        raw["id"] = instance_id
    return Submission(
        instance_id=instance_id, form_id=root.get("id"), form_version=root.get("version"),
        raw=raw, ignored=ignored,
    )
