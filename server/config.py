"""Server settings from the environment (prefix ``MOTCUA_SERVER_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    long_poll_max_seconds: int = 30

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'motcua-server.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (tests build their own :class:`Settings` and pass it to create_app)."""
    return Settings()
