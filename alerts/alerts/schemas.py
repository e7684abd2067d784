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
    observations: int
    findings: int
    alerts: list[dict[str, Any]]
    by_type: dict[str, int]
    by_rule: dict[str, int]
    by_place: dict[str, int]
