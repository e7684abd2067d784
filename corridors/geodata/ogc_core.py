"""OGC API - Features Part 1 (Core 1.0) pieces that need no web framework (as pygeoapi
keeps its core apart from HTTP): query parameter parsing and the JSON documents.

Spec: OGC 17-069r4 (https://docs.ogc.org/is/17-069r4/17-069r4.html). Notable rules kept:
``limit`` out of range is clamped, not refused (/req/core/fc-limit-response-1 permits a
server maximum); ``bbox`` is CRS84 lon/lat with 4 or 6 numbers; ``datetime`` is an RFC 3339
instant or an interval with ``..`` or empty for an open end; unknown parameters are a 400
(/req/core/query-param-unknown).
"""

from __future__ import annotations

import base64
import binascii
import math
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ttt.jsonkit import plain

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
DEFAULT_LIMIT = 100
MAX_LIMIT = 5000
CHUNK_BYTES = 64 * 1024  # items documents are streamed in pieces of about this size
ITEMS_PARAMS = frozenset({"limit", "offset", "cursor", "bbox", "datetime", "f", "crs", "bbox-crs"})
# EPSG:4326 is latitude-first in OGC URIs, so only CRS84 (longitude-first) is accepted.
CRS84_NAMES = frozenset({CRS84})
FORMATS = frozenset({"json", "geojson"})


class OgcParamError(ValueError):
    """A query parameter the server cannot honour (400 InvalidParameterValue)."""


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    temporal: bool
    counted: bool = True  # numberMatched on every page (False: only when one page holds all)


def check_params(params: Iterable[str], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise OgcParamError(
            f"unknown query parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed)) or 'none'}"
        )


def parse_format(value: str | None) -> None:
    if value is not None and value.lower() not in FORMATS:
        raise OgcParamError(f"f={value!r} is not served; only f=json (GeoJSON)")


def parse_crs(name: str, value: str | None) -> None:
    """``crs``/``bbox-crs`` (Part 2) are accepted only for CRS84, the one CRS served."""
    if value is not None and value not in CRS84_NAMES:
        raise OgcParamError(f"{name}={value!r} is not served; only {CRS84}")


def parse_limit(value: str | None, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    """An integer; below 1 becomes 1 and above the maximum becomes the maximum (clamped)."""
    if value is None or value == "":
        return default
    try:
        n = int(value)
    except ValueError:
        raise OgcParamError(f"limit must be an integer, got {value!r}") from None
    return min(max(n, 1), maximum)


def parse_offset(value: str | None) -> int:
    if value is None or value == "":
        return 0
    try:
        n = int(value)
    except ValueError:
        raise OgcParamError(f"offset must be a non-negative integer, got {value!r}") from None
    if n < 0:
        raise OgcParamError(f"offset must be a non-negative integer, got {value!r}")
    return n


def encode_cursor(last_id: object) -> str:
    """The opaque ``cursor`` of a ``next`` link: the last id of the page, base64url."""
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def parse_cursor(value: str | None, id_kind: str) -> str | None:
    """The last id a ``cursor`` stands for, checked against the collection's id kind
    (``uuid``, ``bigint`` or ``text``), so a tampered cursor is a 400, not a database error."""
    if value is None:
        return None
    try:
        last = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        if id_kind == "uuid":
            uuid.UUID(last)
        elif id_kind == "bigint" and not last.lstrip("-").isdigit():
            raise ValueError(last)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise OgcParamError(f"cursor {value!r} is not one this server gave out; follow the 'next' links") from None
    return last


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``minLon,minLat,maxLon,maxLat`` (or 6 numbers with heights, which are ignored)."""
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",")]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise OgcParamError(f"bbox must be 4 (or 6) comma-separated numbers, got {value!r}") from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4:
        raise OgcParamError(f"bbox must be 4 (or 6) comma-separated numbers, got {value!r}")
    if not all(math.isfinite(n) for n in numbers):
        raise OgcParamError(f"bbox must be finite numbers, got {value!r}")
    x0, y0, x1, y1 = numbers
    # Clients zoomed out past the world (QGIS canvases) send a box beyond CRS84 bounds:
    # clamp it rather than refuse, the answer is the same.
    x0, x1 = (min(max(x, -180.0), 180.0) for x in (x0, x1))
    y0, y1 = (min(max(y, -90.0), 90.0) for y in (y0, y1))
    if y0 > y1:
        raise OgcParamError(f"bbox: the lower latitude must come first, got {value!r}")
    if x0 > x1:
        raise OgcParamError(f"bbox crossing the antimeridian is not supported, got {value!r}")
    return x0, y0, x1, y1


def _instant(text: str, end: bool) -> datetime:
    s = text.strip()
    if len(s) == 10:
        try:
            d = date.fromisoformat(s)
        except ValueError:
            raise OgcParamError(f"datetime: {text!r} is not an RFC 3339 date or date-time") from None
        # a whole day: from its first to its last instant
        moment = datetime.combine(d, time.min, tzinfo=UTC)
        return moment + timedelta(days=1) - timedelta(microseconds=1) if end else moment
    try:
        dt = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s)
    except ValueError:
        raise OgcParamError(f"datetime: {text!r} is not an RFC 3339 date-time") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def parse_datetime(value: str | None) -> tuple[datetime | None, datetime | None] | None:
    """An instant or interval -> (start, end) with None for an open end; None when absent."""
    if value is None:
        return None
    if "/" not in value:
        return _instant(value, end=False), _instant(value, end=True)
    left, _, right = value.partition("/")
    start = None if left in ("", "..") else _instant(left, end=False)
    stop = None if right in ("", "..") else _instant(right, end=True)
    if start is None and stop is None:
        raise OgcParamError("datetime: an interval needs at least one end ('../..' is not allowed)")
    if start and stop and start > stop:
        raise OgcParamError(f"datetime: the interval {value!r} ends before it starts")
    return start, stop


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def landing(base: str, title: str, description: str) -> dict[str, Any]:
    return {
        "title": title,
        "description": description,
        "links": [
            _link(f"{base}", "self", JSON, "This document"),
            _link(f"{base}/api", "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
            _link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            _link(f"{base}/collections", "data", JSON, "Collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    return {"conformsTo": list(CONFORMANCE)}


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value)


def collection_doc(base: str, coll: Collection, extent: Mapping[str, Any]) -> dict[str, Any]:
    """``/collections/{id}``: id, title, links (items with type) and the extent."""
    bbox = extent.get("bbox") or [-180.0, -90.0, 180.0, 90.0]
    ext: dict[str, Any] = {"spatial": {"bbox": [bbox], "crs": CRS84}}
    if coll.temporal:
        interval = extent.get("interval") or [None, None]
        ext["temporal"] = {
            "interval": [[_iso(interval[0]), _iso(interval[1])]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    href = f"{base}/collections/{coll.id}"
    return {
        "id": coll.id,
        "title": coll.title,
        "description": coll.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": ext,
        "links": [
            _link(href, "self", JSON, coll.title),
            _link(f"{href}/items", "items", GEOJSON, f"{coll.title} (GeoJSON)"),
        ],
    }


def collections_doc(base: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "links": [_link(f"{base}/collections", "self", JSON, "Collections")],
        "collections": docs,
    }


def items_doc(
    self_url: str,
    next_url: str | None,
    collection_url: str,
    features: list[dict[str, Any]],
    matched: int,
    now: datetime,
) -> dict[str, Any]:
    links = [_link(self_url, "self", GEOJSON), _link(collection_url, "collection", JSON)]
    if next_url:
        links.append(_link(next_url, "next", GEOJSON, "Next page"))
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", **f} for f in features],
        "links": links,
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": _iso(now),
    }


def items_stream(
    self_url: str,
    next_url: str | None,
    collection_url: str,
    features: list[str],
    matched: int | None,
    now: datetime,
) -> Iterator[bytes]:
    """The items document (as :func:`items_doc`) as bytes, in pieces of about
    ``CHUNK_BYTES``, from features already encoded as GeoJSON text (by the database).
    ``numberMatched`` is left out when None (optional in Part 1: /rec/core/fc-numberMatched)."""
    from pydantic_core import to_json

    chunk = bytearray(b'{"type":"FeatureCollection","features":[')
    for k, feature in enumerate(features):
        if k:
            chunk += b","
        chunk += feature.encode()
        if len(chunk) >= CHUNK_BYTES:  # a send per chunk, not per feature (each send is a thread hop)
            yield bytes(chunk)
            chunk.clear()
    links = [_link(self_url, "self", GEOJSON), _link(collection_url, "collection", JSON)]
    if next_url:
        links.append(_link(next_url, "next", GEOJSON, "Next page"))
    tail: dict[str, Any] = {"links": links, "numberReturned": len(features), "timeStamp": _iso(now)}
    if matched is not None:
        tail["numberMatched"] = matched
    yield bytes(chunk) + b"]," + to_json(tail)[1:]


def feature_doc(feature: dict[str, Any], self_url: str, collection_url: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        **feature,
        "links": [_link(self_url, "self", GEOJSON), _link(collection_url, "collection", JSON)],
    }


def jsonable(value: Any) -> Any:
    """Plain JSON with datetimes as RFC 3339 UTC text (``...Z``)."""
    return plain(value, when=lambda v: _iso(v) if isinstance(v, datetime) else v.isoformat())


def openapi(base: str, collections: list[Collection]) -> dict[str, Any]:
    """A compact OpenAPI 3.0 definition of the OGC endpoints (the ``service-desc``)."""
    ids = [c.id for c in collections]
    param = {
        "collectionId": {"name": "collectionId", "in": "path", "required": True, "schema": {"type": "string", "enum": ids}},
        "featureId": {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}},
        "limit": {"name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
                  "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
        "offset": {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
        "cursor": {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"},
                   "description": "opaque: where the previous page ended (from its 'next' link)"},
        "bbox": {"name": "bbox", "in": "query", "required": False, "style": "form", "explode": False,
                 "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}},
        "datetime": {"name": "datetime", "in": "query", "required": False, "style": "form", "explode": False,
                     "schema": {"type": "string"}},
    }

    def ok(desc: str, media: str = JSON) -> dict[str, Any]:
        return {"200": {"description": desc, "content": {media: {"schema": {"type": "object"}}}}}

    # each collection's own items path too: GDAL (3.8+) looks up /collections/<id>/items to
    # learn the largest limit and pages with it instead of its default of 10
    own_items = {
        f"/collections/{cid}/items": {"get": {
            "operationId": f"getFeatures_{cid.replace('-', '_')}",
            "parameters": [{"$ref": f"#/components/parameters/{n}"} for n in ("limit", "offset", "cursor", "bbox",
                                                                             "datetime")],
            "responses": ok("Features", GEOJSON),
        }}
        for cid in ids
    }

    return {
        "openapi": "3.0.3",
        "info": {"title": "ttt OGC API - Features", "version": "1.0.0"},
        "servers": [{"url": base}],
        "components": {
            "parameters": param,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/": {"get": {"operationId": "getLandingPage", "responses": ok("Landing page")}},
            "/conformance": {"get": {"operationId": "getConformance", "responses": ok("Conformance")}},
            "/collections": {"get": {"operationId": "getCollections", "responses": ok("Collections")}},
            "/collections/{collectionId}": {
                "get": {
                    "operationId": "describeCollection",
                    "parameters": [{"$ref": "#/components/parameters/collectionId"}],
                    "responses": ok("Collection"),
                }
            },
            "/collections/{collectionId}/items": {
                "get": {
                    "operationId": "getFeatures",
                    "parameters": [
                        {"$ref": f"#/components/parameters/{n}"}
                        for n in ("collectionId", "limit", "offset", "cursor", "bbox", "datetime")
                    ],
                    "responses": ok("Features", GEOJSON),
                }
            },
            "/collections/{collectionId}/items/{featureId}": {
                "get": {
                    "operationId": "getFeature",
                    "parameters": [
                        {"$ref": "#/components/parameters/collectionId"},
                        {"$ref": "#/components/parameters/featureId"},
                    ],
                    "responses": ok("Feature", GEOJSON),
                }
            },
            **own_items,
        },
    }
