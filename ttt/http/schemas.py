"""Response and body shapes shared by every domain (documented in /openapi.json).

Response models are ``Open``: they declare the fields a client can rely on and let further
fields through, and they write back exactly the keys the endpoint returned (a declared field
the endpoint did not send is not added), so declaring a model never changes an answer.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_serializer

T = TypeVar("T")
Number = int | float  # an int stays an int on the way out (no 24 -> 24.0)


class Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    @model_serializer(mode="wrap")
    def _only_given(self, handler: Any) -> Any:
        data = handler(self)
        given = self.model_fields_set
        aliases = {f.alias: name for name, f in type(self).model_fields.items() if f.alias}
        return {k: v for k, v in data.items() if k in given or aliases.get(k) in given}


class Page(Open, Generic[T]):
    """A JSON list: ``next`` is the URL of the following page, null on the last one."""

    items: list[T]
    total: int
    next: str | None


class Link(Open):
    href: str
    rel: str


class Feature(Open):
    type: Literal["Feature"]
    geometry: dict[str, Any] | None
    properties: dict[str, Any] | None


class FeatureCollection(Open):
    type: Literal["FeatureCollection"]
    features: list[Feature]


class FeatureList(FeatureCollection):
    """A paged geodata list: GeoJSON plus ``total`` and ``next``."""

    total: int
    next: str | None


class GeoJSONIn(BaseModel):
    """A GeoJSON Feature or FeatureCollection; ``crs`` (e.g. ``EPSG:32630``) when the coordinates are
    not lon/lat. Every feature is checked by the service and reported with its index and field."""

    model_config = ConfigDict(extra="allow")

    type: str | None = Field(default=None, description="Feature or FeatureCollection")
    geometry: dict[str, Any] | None = None
    properties: dict[str, Any] | None = None
    features: list[Any] | None = None
    crs: Any = None


def body_dict(model: BaseModel) -> dict[str, Any]:
    """The body as the client sent it (only the keys it gave, extras included)."""
    return model.model_dump(exclude_unset=True)


def text_response(media_type: str, description: str, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for an endpoint answering text (XML, CSV, HTML) rather than JSON."""
    return {status: {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}}
