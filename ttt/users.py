"""Users, roles, P-code scopes and API tokens.

Tokens are 256-bit random strings shown once; only their SHA-256 is stored (a fast hash is
right for high-entropy secrets and lets us look tokens up by index). For ODK Collect, which
can only do HTTP Digest over plain http, we also keep HA1 = md5(name:realm:token): Digest
needs it and it never reveals the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ARRAY, ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ttt.config import get_settings
from ttt.db import Base, utcnow
from ttt.errors import Conflict, NotFound, ValidationFailed
from ttt.scope import in_scopes

ROLES = ("admin", "analyst", "enumerator", "partner")
DIGEST_REALM = "ttt"
TOKEN_PREFIX = "ttt_"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")


class DigestNonceUse(Base):
    """One accepted (nonce, nc) of an OpenRosa Digest Authorization: a second use is a replay."""

    __tablename__ = "digest_nonce_uses"

    nonce: Mapped[str] = mapped_column(String(200), primary_key=True)
    nc: Mapped[str] = mapped_column(String(16), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    digest_ha1: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")


@dataclass(frozen=True)
class Principal:
    """Who is calling: what every authorised request carries."""

    id: int
    name: str
    role: str
    scopes: tuple[str, ...] = field(default_factory=tuple)

    def in_scope(self, pcode: str | None) -> bool:
        """True when the P-code lies inside one of the user's scopes (no scopes = everywhere).

        P-codes are hierarchical text, so ``ML05`` covers ``ML0506`` and ``ML050601``.
        An unknown place (None) is inside only for unscoped users.
        """
        return in_scopes(pcode, self.scopes)

    @property
    def unrestricted(self) -> bool:
        return not self.scopes


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def digest_ha1(name: str, token: str, realm: str = DIGEST_REALM) -> str:
    return hashlib.md5(f"{name}:{realm}:{token}".encode()).hexdigest()  # noqa: S324 (RFC 2617)


def _validate(name: str, role: str, scopes: list[str]) -> None:
    errors = []
    if not name or len(name) > 80 or not all(c.isalnum() or c in "-_.@" for c in name):
        errors.append({"field": "name", "message": "1-80 characters: letters, digits, - _ . @"})
    if role not in ROLES:
        errors.append({"field": "role", "message": f"expected one of {', '.join(ROLES)}, got {role!r}"})
    for s in scopes:
        if not (2 <= len(s) <= 20 and s[:2].isalpha() and s.isalnum()):
            errors.append({"field": "scope", "message": f"{s!r} is not a P-code (e.g. ML, ML05, ML0506)"})
    if errors:
        raise ValidationFailed(errors)


def issue_token(session: Session, user: User, ttl_days: int | None = None) -> str:
    """Create a new token for the user and return it (the only time it is visible).

    ``ttl_days`` defaults to TTT_TOKEN_TTL_DAYS; 0 means the token never expires."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    if ttl_days is None:
        ttl_days = get_settings().token_ttl_days
    expires = utcnow() + timedelta(days=ttl_days) if ttl_days else None
    session.add(ApiToken(user=user, token_hash=hash_token(token), digest_ha1=digest_ha1(user.name, token),
                         expires_at=expires))
    session.flush()
    return token


def create_user(session: Session, name: str, role: str, scopes: list[str] | None = None,
                ttl_days: int | None = None) -> tuple[User, str]:
    scopes = [s.upper() for s in scopes or []]
    _validate(name, role, scopes)
    if session.scalar(select(User).where(User.name == name)):
        raise Conflict(f"a user named {name!r} already exists")
    user = User(name=name, role=role, scopes=scopes, active=True)
    session.add(user)
    session.flush()
    return user, issue_token(session, user, ttl_days)


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def get_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user


def revoke_user(session: Session, name: str) -> User:
    """Deactivate the user and revoke all their tokens."""
    user = get_user(session, name)
    user.active = False
    now = utcnow()
    for t in user.tokens:
        if t.revoked_at is None:
            t.revoked_at = now
    return user


def rotate_token(session: Session, name: str, ttl_days: int | None = None) -> str:
    """Revoke every current token of the user and issue a fresh one."""
    user = get_user(session, name)
    now = utcnow()
    for t in user.tokens:
        if t.revoked_at is None:
            t.revoked_at = now
    return issue_token(session, user, ttl_days)


def _principal(user: User) -> Principal:
    return Principal(id=user.id, name=user.name, role=user.role, scopes=tuple(user.scopes or ()))


def authenticate(session: Session, token: str) -> Principal | None:
    """The principal behind a bearer token, or None when unknown, expired or revoked."""
    if not token or len(token) > 200:
        return None
    row = session.execute(
        select(ApiToken, User).join(User).where(ApiToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    tok, user = row
    # the index lookup already matched; compare again in constant time for good measure
    if not hmac.compare_digest(tok.token_hash, hash_token(token)):
        return None
    now = utcnow()
    if tok.revoked_at is not None or not user.active or (tok.expires_at and tok.expires_at <= now):
        return None
    if tok.last_used_at is None or now - tok.last_used_at > timedelta(minutes=5):
        tok.last_used_at = now  # coarse, to avoid a write per request
    return _principal(user)


def digest_candidates(session: Session, name: str) -> list[tuple[Principal, str]]:
    """(principal, HA1) for every live token of an active user, for HTTP Digest checks."""
    now = utcnow()
    rows = session.execute(
        select(ApiToken, User).join(User).where(
            User.name == name, User.active.is_(True), ApiToken.revoked_at.is_(None)
        )
    ).all()
    return [(_principal(u), t.digest_ha1) for t, u in rows if not t.expires_at or t.expires_at > now]
