"""Settings from the environment (prefix TTT_).

One cached Settings object; tests and the CLI call ``get_settings.cache_clear()`` after
changing the environment. The public default secret key is used by tests only: elsewhere,
without ``TTT_SECRET_KEY``, a random key is generated on first run and kept in
``TTT_SECRET_FILE`` (outside git), and the default given explicitly is refused, so a
deployment can never sign acknowledgement links with a key everybody knows.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ttt.facts import SEASON_START, TLU_FACTORS

DEFAULT_SECRET_KEY = "dev-insecure-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TTT_", env_file=".env", extra="ignore")

    # --- core ---
    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/ttt"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    public_url: str = "http://127.0.0.1:8000"
    console_basemap_url: str = ""  # e.g. https://{s}.tile.example.org/{z}/{x}/{y}.png; empty = no basemap
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    token_ttl_days: int = 365  # lifetime of new tokens unless given; 0 = never expire
    db_pool_size: int = 10

    # --- scheduler and rules ---
    evaluate_interval_s: float = 15.0
    dispatch_interval_s: float = 5.0
    rules_file: str | None = None

    # --- delivery channels ---
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_from: str = "ttt-alerts@localhost"
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = 10.0
    sms_gateway_url: str | None = None
    sms_gateway_token: SecretStr | None = None

    # --- ingestion ---
    max_batch: int = 5000
    max_body_bytes: int = 20_000_000
    max_count_per_species: int = 100_000
    kobo_field_map: dict[str, str] = {}
    kobo_form_field_maps: dict[str, dict[str, str]] = {}  # per form: formhub/uuid or _xform_id_string -> map
    qa_limits: dict[str, float] = {}  # overrides of corridors.observations.quality.QaLimits

    # --- statistics ---
    season_start: str = SEASON_START
    tlu_factors: dict[str, float] = dict(TLU_FACTORS)

    # --- security --- (rate limiting; 0 disables; see SECURITY.md)
    rate_limit_per_min: int = 600
    rate_limit_burst: int | None = None
    rate_limit_anonymous_per_min: int = 120
    outbound_allow: str = ""  # CIDRs outbound requests may reach although not public (ttt/outbound.py)
    secret_file: str = ".ttt-secret"  # where the generated secret key is kept when TTT_SECRET_KEY is unset

    @field_validator("outbound_allow")
    @classmethod
    def _cidrs(cls, value: str) -> str:
        from ttt.outbound import parse_allow  # a wrong CIDR is a start-up error, not a 500 later

        try:
            parse_allow(value)
        except ValueError as exc:
            raise ValueError(f"TTT_OUTBOUND_ALLOW: {exc} (expected CIDRs such as 10.0.0.5/32, comma separated)") from None
        return value

    # --- speed under load --- (see README "Scale")
    rules_batch: int = 5000  # observations per engine transaction (each batch commits on its own)
    db_pool_timeout_s: float = 3.0  # wait this long for a pooled connection, then 503 + Retry-After
    database_read_url: str | None = None  # a streaming replica for statistics, OGC, lists and exports
    database_read_max_lag_s: float = 10.0  # a replica further behind than this is skipped (primary reads)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.secret_key.get_secret_value() != DEFAULT_SECRET_KEY or self.environment == "test":
            return self
        if "secret_key" in self.model_fields_set:
            raise ValueError(
                "TTT_SECRET_KEY is the public default; set a long random secret "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))') or leave it unset "
                "to have one generated in TTT_SECRET_FILE"
            )
        self.secret_key = SecretStr(load_or_create_secret(Path(self.secret_file)))
        return self

    @property
    def sync_database_url(self) -> str:
        """The URL for SQLAlchemy (psycopg 3 driver) whatever scheme the deployer wrote."""
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    @property
    def sync_read_url(self) -> str | None:
        """``database_read_url`` for SQLAlchemy (psycopg 3), or None without a replica."""
        url = self.database_read_url
        if not url:
            return None
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    @property
    def libpq_url(self) -> str:
        """The same URL for plain psycopg / libpq (no SQLAlchemy driver suffix)."""
        return self.sync_database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def load_or_create_secret(path: Path) -> str:
    """The key kept in ``path``; on first run a new random one, written once (mode 0600) so
    every process of the deployment (API workers, scheduler) signs with the same key."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="utf-8").strip()
        if len(key) < 32:
            raise ValueError(f"the secret key in {path} is too short; delete the file to have a new one made") from None
        return key
    except OSError as exc:
        raise ValueError(f"cannot create the secret key file {path} ({exc.strerror}); set TTT_SECRET_KEY "
                         "or TTT_SECRET_FILE to a writable place") from None
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
