"""KoBoToolbox REST Service (webhook) submissions -> raw observation dicts.

Source: kobotoolbox/kpi ``kobo/apps/hook/``; the JSON is flat with group paths as keys
(``"grp_count/cattle": "120"``), numbers often as strings, plus ``_uuid``, ``_submission_time``,
``_geolocation`` ``[lat, lon]`` (maybe ``[null, null]``) and ``meta/instanceID``. Keys are read by
their last path segment so groups do not matter; a field map renames (full key or last segment).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from corridors.ingest.openrosa import FORM_METADATA, TOP_FIELDS, geopoint_to_location
from corridors.observations.schemas import HERDERS, SPECIES


@dataclass
class KoboRecord:
    """One mapped KoBo submission: the raw observation, its KoBo ids and what was ignored."""

    raw: dict[str, Any]
    kobo_id: Any = None
    submitted_at: datetime | None = None
    form_id: str | None = None
    ignored: list[str] = field(default_factory=list)


def _strip_uuid(v: Any) -> Any:
    if isinstance(v, str) and v.lower().startswith("uuid:"):
        return v[5:]
    return v


def _kobo_time(v: Any) -> datetime | None:
    """``_submission_time`` is UTC without an offset, e.g. ``2026-02-03T07:20:11``."""
    if not isinstance(v, str) or not v:
        return None
    try:
        t = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def form_keys(payload: Mapping[str, Any]) -> list[str]:
    """The keys a per-form field map may be set under: ``formhub/uuid``, ``_xform_id_string``."""
    return [str(payload[k]) for k in ("formhub/uuid", "_xform_id_string") if payload.get(k)]


def field_map_for(payload: Mapping[str, Any], common: Mapping[str, str],
                  per_form: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """The common map, overridden by the map of this submission's form when one is set."""
    fmap = dict(common)
    for key in reversed(form_keys(payload)):
        fmap.update(per_form.get(key, {}))
    return fmap


def map_kobo(payload: Mapping[str, Any], field_map: Mapping[str, str] | None = None) -> KoboRecord:
    """Map one KoBo JSON submission; values are left for validation to judge and report."""
    fmap = dict(field_map or {})
    raw: dict[str, Any] = {}
    counts: dict[str, Any] = {}
    herders: dict[str, Any] = {}
    ignored: list[str] = []
    instance_id = None
    start = None
    geopoint_text = None
    for key, value in payload.items():
        if key in fmap:
            name = fmap[key]
        else:
            last = key.rsplit("/", 1)[-1]
            name = fmap.get(last, last)
        if name == "instanceID":
            instance_id = value
            continue
        if name == "deprecatedID":
            name = "replaces"  # an edit: KoBo's meta/deprecatedID names the submission it replaces
        if name.startswith("_") or key.startswith("_") or key == "formhub/uuid":
            continue
        if name == "start":
            start = value
            continue
        if name in SPECIES:
            counts[name] = value
        elif name in HERDERS:
            herders[name] = value
        elif name == "location":
            geopoint_text = value
        elif name in TOP_FIELDS:
            raw[name] = value
        elif name not in FORM_METADATA and value not in (None, "", [], {}):
            ignored.append(key)
    rid = instance_id or payload.get("_uuid")
    if rid is not None:
        raw["id"] = _strip_uuid(rid)
    geo = payload.get("_geolocation")
    if (
        isinstance(geo, list | tuple) and len(geo) == 2
        and geo[0] not in (None, "") and geo[1] not in (None, "")
    ):
        raw["location"] = {"lat": geo[0], "lon": geo[1]}
    elif isinstance(geopoint_text, str) and geopoint_text.strip():
        raw["location"] = geopoint_to_location(geopoint_text)
    elif isinstance(geopoint_text, Mapping):
        raw["location"] = dict(geopoint_text)
    if "observed_at" not in raw and start:
        raw["observed_at"] = start  # device time when the form was opened
    if counts:
        raw["counts"] = counts
    if herders:
        raw["herders"] = herders
    for k in ("flow_point", "origin", "destination", "flow_type", "reason", "notes", "direction", "replaces",
              "zero_report", "period_from", "period_to"):
        if raw.get(k) == "":
            raw.pop(k)
    return KoboRecord(
        raw=raw,
        kobo_id=payload.get("_id"),
        submitted_at=_kobo_time(payload.get("_submission_time")),
        form_id=payload.get("_xform_id_string"),
        ignored=ignored,
    )
