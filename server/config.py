"""Server settings from the environment (prefix ``MOTCUA_SERVER_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import IPvAnyNetwork
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.store.boot import secure_data_folder


def default_data_dir() -> Path:
    """The current user's data folder for the embedded server (SQLite, attachments, secret key)."""
    return Path(user_data_dir("MotCuaServer", appauthor=False))


class Settings(BaseSettings):
    """Everything an IT administrator may set; defaults run an embedded server with no set-up.

    Attributes:
        database_url: SQLAlchemy URL. Default: SQLite file in :attr:`data_dir`. Production:
            ``postgresql+psycopg://user@host/db``.
        data_dir: Where the SQLite file, attachments and the signing key live.
        secret_key: Key that signs access tokens and offline grants; by default generated once
            into ``<data_dir>/secret.key`` (several server processes must share one key).
        access_minutes, refresh_days, offline_grant_hours: token lifetimes.
    """

    model_config = SettingsConfigDict(env_prefix="MOTCUA_SERVER_", env_file=".env", extra="ignore")

    database_url: str = ""
    data_dir: Path = default_data_dir()
    secret_key: str = ""
    access_minutes: int = 15
    refresh_days: int = 30
    offline_grant_hours: int = 72
    refresh_grace_seconds: int = 120
    login_failures_per_user: int = 5
    login_failures_per_address: int = 20
    login_window_minutes: int = 15
    # Proxies (addresses or networks) whose X-Forwarded-For names the real client, for the
    # per-address login limit: the right-most forwarded address that is not one of them counts.
    # From any other peer the header is ignored. Default: a proxy on this machine only (nginx on
    # the same host); in the environment as JSON, e.g. '["10.0.0.5", "10.1.0.0/16"]'; [] trusts none.
    trusted_proxies: list[IPvAnyNetwork] = [IPv4Network("127.0.0.1/32"), IPv6Network("::1/128")]
    long_poll_max_seconds: int = 30
    # Dossier numbers (POST /codes/reserve, server/sync/codes.py): at most this many per device,
    # unit and day (a busy counter takes ~200 a day; the client asks 200 at a time), and only for
    # days from ``codes_days_back`` before to ``codes_days_ahead`` after the office's today.
    codes_per_device_day: int = 500
    codes_days_back: int = 1
    codes_days_ahead: int = 7
    # An event whose occurred_at (or whose PC's known clock) is this far ahead of the server's
    # clock is stored but flagged for a supervisor (conflict ``clock_skew``, server/sync/push.py).
    clock_skew_flag_seconds: int = 300
    # POST /sync/push: a body larger than this is refused with 413 (a full batch of 500 events
    # is ~1 MiB; every text field of an event is bounded, docs/SYNC-PROTOCOL.md "Giới hạn").
    push_body_max_bytes: int = 8 * 1024 * 1024
    # Refused events (their id, reason and a 1 KiB excerpt) are kept this long for support, then
    # pruned (server/sync/retention.py: at start-up, hourly, and ``motcua-server admin prune``).
    rejected_retention_days: int = 90
    # Attachment files (server/storage): ``folder`` (``attachment_dir``, default
    # ``<data_dir>/attachments``; several processes must share it) or ``s3``: S3-compatible object
    # storage (MinIO or a provider's; the bucket is made beforehand; empty credentials come from
    # boto3's usual places). Uploads not completed within ``upload_expiry_hours`` are dropped.
    attachment_store: Literal["folder", "s3"] = "folder"
    attachment_dir: Path | None = None
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_prefix: str = ""
    upload_expiry_hours: int = 72

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        secure_data_folder(self.data_dir)  # 0700: it holds the database, the signing key, attachments
        return f"sqlite:///{self.data_dir / 'motcua-server.db'}"

    def resolved_attachment_dir(self) -> Path:
        """The configured attachment folder, or ``<data_dir>/attachments``."""
        return self.attachment_dir or self.data_dir / "attachments"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (tests build their own :class:`Settings` and pass it to create_app)."""
    return Settings()
