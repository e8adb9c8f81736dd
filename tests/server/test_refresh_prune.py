"""Refresh-token rows do not pile up: expired or revoked ones older than the retention are deleted at login."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.sync.wire import EnrolResponse
from server import auth
from server.models import RefreshToken
from server.security import sha256_hex
from tests.server.conftest import UNIT_A, Srv, bearer


def refresh(srv: Srv, device: EnrolResponse, token: str) -> Any:
    return srv.client.post(
        "/auth/refresh",
        json={"refresh_token": token, "device_id": device.device_id, "device_secret": device.device_secret},
    )


def held(srv: Srv, *tokens: str) -> list[bool]:
    with srv.session() as s:
        return [s.scalar(select(RefreshToken.id).where(RefreshToken.token_sha256 == sha256_hex(t))) is not None
                for t in tokens]  # fmt: skip


def rows(srv: Srv) -> int:
    with srv.session() as s:
        return int(s.scalar(select(func.count()).select_from(RefreshToken)) or 0)


def test_login_prunes_expired_and_revoked_tokens_and_keeps_live_and_rotated_ones(srv: Srv) -> None:
    srv.office(UNIT_A)
    srv.officer(UNIT_A, "canbo")
    device = srv.device(UNIT_A)
    days = srv.ctx.settings.refresh_days
    # day 0: one session rotated then logged out (revoked), another left to expire
    first = srv.login("canbo", device)
    rotated = refresh(srv, device, first["refresh_token"])
    assert rotated.status_code == 200
    assert srv.client.post("/auth/logout", headers=bearer(rotated.json())).status_code == 204
    expiring = srv.login("canbo", device)["refresh_token"]
    old = [first["refresh_token"], rotated.json()["refresh_token"], expiring]
    assert rows(srv) == 3

    srv.clock.advance(days=20)  # nothing is older than the retention yet
    recent = srv.login("canbo", device)
    assert held(srv, *old) == [True, True, True]

    srv.clock.advance(days=days + 15)  # day 65: day 0's tokens ended more than 30 days ago
    live = srv.login("canbo", device)["refresh_token"]
    assert held(srv, *old) == [False, False, False]
    assert held(srv, recent["refresh_token"], live) == [True, True]  # recent expired on day 50: kept until day 80
    assert rows(srv) == 2

    # a rotated token still in its lifetime is kept: reusing it after the grace revokes its family
    successor = refresh(srv, device, live).json()["refresh_token"]
    srv.clock.advance(minutes=10)
    with srv.tx() as s:
        assert auth.prune_refresh_tokens(s, srv.ctx, srv.clock(), force=True) == 0
    reused = refresh(srv, device, live)
    assert reused.status_code == 401 and reused.json()["detail"]["code"] == "refresh_reused"
    assert refresh(srv, device, successor).status_code == 401  # the family is gone with it


def test_pruning_runs_at_most_once_an_hour_per_database(srv: Srv) -> None:
    srv.office(UNIT_A)
    srv.officer(UNIT_A, "canbo")
    device = srv.device(UNIT_A)
    token = srv.login("canbo", device)["refresh_token"]
    srv.clock.advance(days=srv.ctx.settings.refresh_days + 31)
    with srv.tx() as s:
        assert auth.prune_refresh_tokens(s, srv.ctx, srv.clock()) == 1  # first look after a long time
    srv.login("canbo", device)
    srv.clock.advance(days=srv.ctx.settings.refresh_days + 31)
    with srv.tx() as s:
        assert auth.prune_refresh_tokens(s, srv.ctx, srv.clock()) == 1
        assert auth.prune_refresh_tokens(s, srv.ctx, srv.clock()) == 0  # within the hour: not again
    assert held(srv, token) == [False]
