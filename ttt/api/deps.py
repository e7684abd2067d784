"""Moved to :mod:`ttt.http.deps` (core, so domain routers depend on core only); kept so older
imports keep working."""

from ttt.http.deps import (  # noqa: F401
    AdminUser,
    CurrentUser,
    DbSession,
    StaffUser,
    bearer_token,
    get_db,
    get_principal,
    require_roles,
)
