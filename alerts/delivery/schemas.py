"""Request bodies for subscriptions (a published contract: extend, never rename)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ttt.facts import ALERT_TYPES, SEVERITIES
from ttt.http.schemas import Open
from ttt.i18n import languages

Kind = Literal["authority", "partner", "staff"]
ChannelName = Literal["email", "sms", "webhook", "log"]
AlertType = Literal[ALERT_TYPES]  # type: ignore[valid-type]
Severity = Literal[SEVERITIES]  # type: ignore[valid-type]


def _catalogue(code: str) -> str:
    if code not in languages():
        raise ValueError(f"expected a language we have a catalogue for: {', '.join(languages())}")
    return code


Language = Annotated[str, AfterValidator(_catalogue)]  # any catalogue in locales/
Mode = Literal["immediate", "digest"]
REPORTER_DOC = ("user name of a key informant or enumerator: this subscription is their own channel and carries "
                "only feedback on their reports (confirmed, dismissed, resolved), never other alerts")
Hears = Literal["new", "update", "verification", "resolution"]
HEARS_DOC = ("which changes it hears: new (created, reopened), update (escalated, reminders), verification "
             "(confirmed), resolution (resolved, all clear); a false alarm always reaches everyone told")


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    organisation: str | None = Field(default=None, max_length=200)
    kind: Kind = "authority"
    channel: ChannelName
    address: str = Field(min_length=1, max_length=500)
    language: Language = "fr"
    alert_types: list[AlertType] = Field(default_factory=list, description="empty = every type")
    min_severity: Severity = "minor"
    corridors: list[str] = Field(default_factory=list, description="corridor codes; empty = no corridor filter")
    pcodes: list[str] = Field(default_factory=list, description="P-codes; ML05 also covers ML0503")
    area: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon or MultiPolygon")
    mode: Mode = "immediate"
    tier: int = Field(default=1, ge=1, le=10)
    may_report_outcome: bool = Field(default=False, description="may report what was done from the alert page")
    secret: str | None = Field(default=None, description="webhook signing secret (whsec_...); generated if absent")
    active: bool = True
    hears: list[Hears] = Field(default_factory=lambda: ["new", "update", "verification", "resolution"],
                               min_length=1, description=HEARS_DOC)
    reporter: str | None = Field(default=None, max_length=80, description=REPORTER_DOC)


class SubscriptionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    organisation: str | None = None
    kind: Kind | None = None
    channel: ChannelName | None = None
    address: str | None = Field(default=None, min_length=1, max_length=500)
    language: Language | None = None
    alert_types: list[AlertType] | None = None
    min_severity: Severity | None = None
    corridors: list[str] | None = None
    pcodes: list[str] | None = None
    area: dict[str, Any] | None = None
    mode: Mode | None = None
    tier: int | None = Field(default=None, ge=1, le=10)
    may_report_outcome: bool | None = None
    secret: str | None = None
    active: bool | None = None
    hears: list[Hears] | None = Field(default=None, min_length=1, description=HEARS_DOC)
    reporter: str | None = Field(default=None, max_length=80, description=REPORTER_DOC)


# --- answers (documented in /openapi.json; see ttt.http.schemas.Open) ---------------------


class SubscriptionOut(Open):
    id: int
    name: str
    channel: str
    address: str
    language: str
    alert_types: list[str]
    min_severity: str
    active: bool
    secret: str | None = Field(description="shown only when just created or changed")
    has_secret: bool


class DeliveryOut(Open):
    """One delivery of one alert version (or of a data-gap notice step) to one subscription,
    with every attempt."""

    id: int
    alert_id: int | None
    notice_id: int | None = Field(None, description="a data-gap notice (staff only); alert_version: 1 opened, 2 closed")
    alert_version: int
    event: str
    status: str
    attempts: int
    subscription: dict[str, Any]
    attempt_log: list[dict[str, Any]]
