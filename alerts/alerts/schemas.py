"""What the rules and alerts endpoints answer, as pydantic models (documented in /openapi.json)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ttt.http.schemas import Open


class AlertOut(Open):
    """An alert with the evidence behind it. Partners see places to 0.1 degree, never the
    exact positions of herds."""

    id: int
    type: str
    severity: str
    status: str
    headline: str | None
    headlines: dict[str, str | None]
    evidence: dict[str, Any]
    geometry: dict[str, Any] | None
    version: int
    created_at: str | None
    updated_at: str | None
    verification: str = Field(description="new | verifying | confirmed | dismissed")
    corroborations: int = Field(description="independent reports of the same event beyond the first")
    outcome: dict[str, Any] | None = Field(description="how it was resolved (mode, casualties, damage...)")
    history: list[dict[str, Any]] = Field(description="every change: {at, by, change, note}")
    reopened_from: int | None = Field(description="the resolved or dismissed alert this one reopens")


class ReportedOut(AlertOut):
    created: bool = Field(description="false when this report id was already received (nothing changed)")


class RuleSetOut(Open):
    version: str = Field(description="hash of the validated content")
    source: str
    defaults: dict[str, Any]
    rules: list[dict[str, Any]]


class EvaluateOut(Open):
    created: list[int]
    updated: list[int]
    observations: int


class BacktestOut(Open):
    from_: str = Field(alias="from")
    to: str
    rules_version: str
    observations: int | None = Field(description="observations replayed (null for users with scopes: "
                                     "they see only the alerts of their areas)")
    findings: int | None
    alerts: list[dict[str, Any]]
    by_type: dict[str, int]
    by_rule: dict[str, int]
    by_place: dict[str, int]


class ResponseStatsOut(Open):
    """How alerts were answered, per period and in total (see docs/LIFECYCLE.md)."""

    from_: str = Field(alias="from")
    to: str
    interval: str
    periods: list[dict[str, Any]] = Field(description="period_start, alerts, by_status, by_verification, reopened, "
                                                      "hours_to {acknowledge, verify, resolve}, outcomes, casualties, "
                                                      "never_acknowledged")
    total: dict[str, Any]
    filters: dict[str, Any]
