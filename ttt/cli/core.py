"""Core commands: serve, scheduler, db, users, demo."""

from __future__ import annotations

import typer
from rich.table import Table

from ttt.cli.common import console

db_app = typer.Typer(help="Database: create, migrate", no_args_is_help=True)
users_app = typer.Typer(help="Users and API tokens", no_args_is_help=True)


def _settings():
    from ttt.config import get_settings

    return get_settings()


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind"),
    port: int = typer.Option(8000, help="Port"),
    no_scheduler: bool = typer.Option(False, "--no-scheduler", help="Do not run the scheduler in-process"),
    workers: int = typer.Option(1, help="uvicorn worker processes (the scheduler runs in none of them when > 1)"),
) -> None:
    """Serve the API (and the scheduler in-process unless --no-scheduler)."""
    import uvicorn

    from ttt.api.app import create_app

    settings = _settings()
    console.print(f"[green]ttt[/] serving on http://{host}:{port}  docs: http://{host}:{port}/docs")
    scheduler_handle = None
    if not no_scheduler and workers == 1:
        from ttt.scheduler import start_scheduler

        scheduler_handle = start_scheduler(settings)
    try:
        if workers > 1:
            uvicorn.run("ttt.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                        log_level=settings.log_level.lower(), log_config=None)
        else:
            uvicorn.run(create_app(), host=host, port=port, log_level=settings.log_level.lower(),
                        log_config=None)  # ttt.logging's redacting handler, not uvicorn's
    finally:
        if scheduler_handle is not None:
            scheduler_handle.shutdown(wait=False)


def scheduler() -> None:
    """Run the scheduler alone (rules evaluation, dispatch, digests, escalation)."""
    from ttt.scheduler import run_forever

    run_forever(_settings())


@db_app.command("create")
def db_create() -> None:
    """Create the database when missing (needs a server and a role allowed to create it)."""
    from ttt.migrate import ensure_database

    created = ensure_database(_settings().sync_database_url)
    console.print("database created" if created else "database already exists")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the schema up to REVISION (default head)."""
    from ttt.migrate import upgrade

    upgrade(_settings().sync_database_url, revision)
    console.print(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument("-1", help="target revision, -1 for one step, base for empty")) -> None:
    """Migrate the schema down to REVISION."""
    from ttt.migrate import downgrade

    downgrade(_settings().sync_database_url, revision)
    console.print(f"database at {revision}")


@db_app.command("current")
def db_current() -> None:
    """Print the current revision."""
    from ttt.migrate import current

    typer.echo(current(_settings().sync_database_url) or "base")


@users_app.command("add")
def users_add(
    name: str,
    role: str = typer.Option(..., help="admin | analyst | enumerator | partner"),
    scope: list[str] = typer.Option([], "--scope", help="P-code the user is limited to (repeatable)"),
    ttl_days: int | None = typer.Option(None, help="token lifetime in days (default TTT_TOKEN_TTL_DAYS; 0 = never expires)"),
) -> None:
    """Create a user; the new token is printed as the LAST line (shown once)."""
    from ttt.db import session_scope
    from ttt.errors import TTTError
    from ttt.users import create_user

    try:
        with session_scope() as s:
            user, token = create_user(s, name, role, scope, ttl_days)
            console.print(f"user [bold]{user.name}[/] ({user.role}) created; scopes: {', '.join(user.scopes) or 'all'}")
    except TTTError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    typer.echo(token)


@users_app.command("list")
def users_list() -> None:
    """List users, roles, scopes and whether they are active."""
    from ttt.db import session_scope
    from ttt.users import list_users

    table = Table("name", "role", "scopes", "active", "created")
    with session_scope() as s:
        for u in list_users(s):
            table.add_row(u.name, u.role, ",".join(u.scopes or []) or "all", "yes" if u.active else "no",
                          u.created_at.strftime("%Y-%m-%d"))
    console.print(table)


@users_app.command("revoke")
def users_revoke(name: str) -> None:
    """Deactivate a user and revoke every token."""
    from ttt.db import session_scope
    from ttt.errors import TTTError
    from ttt.users import revoke_user

    try:
        with session_scope() as s:
            revoke_user(s, name)
    except TTTError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"user {name} revoked")


@users_app.command("rotate")
def users_rotate(name: str) -> None:
    """Revoke a user's tokens and print a new one as the last line."""
    from ttt.db import session_scope
    from ttt.users import rotate_token

    with session_scope() as s:
        token = rotate_token(s, name)
    typer.echo(token)


def demo(
    force: bool = typer.Option(False, help="Seed again even when the demo is already there"),
    seed: int = typer.Option(20251001, help="Random seed (the demo is deterministic)"),
) -> None:
    """Seed the demo season (corridors, flow points, calendars, hazards, subscriptions, counts),
    run the rules, and act on alerts so every state shows (new, verifying, confirmed,
    dismissed, acknowledged, resolved with an outcome, reopened, closed)."""
    from ttt.cli.common import console
    from ttt.demo import play_story, seed_demo

    seed_demo(seed=seed, force=force)
    states = play_story()
    console.print("demo alerts by state: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items())))
