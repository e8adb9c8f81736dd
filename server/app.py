"""The FastAPI application: ``create_app(settings)`` builds engine, state, routers and error handlers."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine, text

from app import __version__
from server.api import admin, auth, errors, reference, reports
from server.config import Settings, get_settings
from server.context import ServerContext, utc_now
from server.db import is_postgres, make_engine, migrate, session_factory
from server.security import load_secret_key

log = logging.getLogger("motcua.server")

# Routers of other parts, included when their module exists (server/api/sync.py: push, pull, codes,
# attachments). A module named here must expose ``router``.
OPTIONAL_ROUTERS = ("server.api.sync",)


def _optional_routers() -> list[APIRouter]:
    found = []
    for name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the module exists but one of its imports is missing: a real bug
                raise
            log.info("optional router %s not installed", name)
            continue
        found.append(module.router)
    return found


MIGRATION_LOCK = 0x4D6F7443  # "MotC": PostgreSQL advisory lock held while one process migrates


def migrate_once(engine: Engine) -> None:
    """Migrate to the newest revision; on PostgreSQL under an advisory lock, so several workers
    or admin commands starting together do not run the same DDL twice."""
    if not is_postgres(engine):
        migrate(engine)
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            migrate(engine)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            conn.commit()


def create_app(settings: Settings | None = None, *, run_migrations: bool = True) -> FastAPI:
    """Build the server for ``settings`` (default: from the environment).

    The database is migrated to the newest revision before the app is returned, so the first
    request never meets an old schema (see :func:`migrate_once` for several workers).
    """
    settings = settings or get_settings()
    engine = make_engine(settings.resolved_database_url(), hide_parameters=True)  # no hashes in error logs
    if run_migrations:
        migrate_once(engine)
    ctx = ServerContext(
        settings=settings,
        engine=engine,
        factory=session_factory(engine),
        signing_key=load_secret_key(settings.secret_key, settings.data_dir),
        clock=utc_now,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from server.sync.quarantine import check_at_start
        from server.sync.retention import prune_hourly

        # Refused events past their retention go at start-up and hourly (server/sync/retention.py).
        state = _app.state  # tests swap in a context with a clock of their own after create_app
        pruner = asyncio.create_task(prune_hourly(state.ctx.factory, settings, lambda: state.ctx.clock()))
        # Events stored unchecked before the upgrade are checked once, in the background.
        stop_check = threading.Event()
        checker = asyncio.create_task(check_at_start(engine, lambda: state.ctx.clock(), stop_check))
        yield
        stop_check.set()
        pruner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pruner
        await checker  # stops after the page it is on
        engine.dispose()

    app = FastAPI(
        title="MotCua Desk server",
        version=__version__,
        description="Máy chủ trung tâm của MotCua Desk: tài khoản, máy trạm, dữ liệu tham chiếu và đồng bộ.",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    errors.install(app)
    for router in (auth.router, reference.router, admin.router, reports.router, *_optional_routers()):
        app.include_router(router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers (no database round trip)."""
        return {"status": "ok"}

    return app
