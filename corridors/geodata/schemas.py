"""Bodies and answers of the geodata API as pydantic models (documented in /openapi.json).

Bodies only declare and document the fields: each value is checked by the service, which
reports every problem with its feature index and field, as before."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ttt.http.schemas import Number, Open


class CalendarIn(BaseModel):
    """An official window for one direction, per corridor or per country."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "country": "TG", "direction": "descent", "opens": "01-31", "closes": "05-31",
        "effective_from": "2024-01-01", "source": "arrêté interministériel"}]})

    corridor: Any = Field(default=None, description="corridor code (or give a country)")
    country: Any = Field(default=None, description="ISO alpha-2 country code")
    direction: Any = Field(default=None, description="descent or return")
    opens: Any = Field(default=None, description="MM-DD")
    closes: Any = Field(default=None, description="MM-DD")
    effective_from: Any = Field(default=None, description="YYYY-MM-DD")
    source: Any = Field(default=None, description="the text that sets the window")


class CalendarOut(Open):
    id: int
    corridor: str | None
    country: str | None
    direction: str
    opens: str
    closes: str
    effective_from: str
    source: str | None


class InForceOut(Open):
    date: str
    direction: str
    window: dict[str, Any] | None = Field(description="null when no window is in force")


class PlaceOut(Open):
    lon: Number
    lat: Number
    corridor: str | None
    distance_m: Number | None
    km_along: Number | None
    bearing_deg: Number | None
    off_corridor: bool | None
    point: dict[str, Any]
