"""Cryptographic helpers: signing key, password hashes, access tokens, refresh tokens, offline grants.

Pure functions over bytes and strings; no database. Secrets never reach a log: nothing here logs.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.errors import UserFacingError
from app.store.boot import restrict_to_owner, secure_data_folder
from app.sync.wire import OfflineGrant, Role

ALGORITHM = "HS256"
ISSUER = "motcua-server"
MIN_KEY_CHARS = 32
_KEY_FILE = "secret.key"
_hasher = PasswordHasher()  # Argon2id, the library's recommended parameters (as the client)
_DUMMY_HASH = _hasher.hash("motcua-dummy-password")  # verify against it when the user is unknown
_ROLES: frozenset[str] = frozenset({"officer", "supervisor", "admin"})
# Enrolment codes: no 0/O, 1/I/L, so a code read over the phone is typed right.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_GROUPS, _CODE_GROUP_LEN = 3, 4


class SigningKeyError(UserFacingError):
    """The configured signing key cannot be used; the message is Vietnamese."""


def load_secret_key(secret_key: str, data_dir: Path) -> bytes:
    """The signing key: ``secret_key`` if set, else ``<data_dir>/secret.key`` (created once, 0600;
    an existing file is tightened to 0600).

    Several server processes on one host share the file: it is published atomically with
    ``os.link`` so no process ever reads a half-written key.

    Raises:
        SigningKeyError: the configured key is too short.
    """
    if secret_key:
        if len(secret_key) < MIN_KEY_CHARS:
            raise SigningKeyError(
                f"Khoá ký MOTCUA_SERVER_SECRET_KEY quá ngắn: cần ít nhất {MIN_KEY_CHARS} ký tự ngẫu nhiên."
            )
        return secret_key.encode()
    secure_data_folder(data_dir)
    path = data_dir / _KEY_FILE
    if not path.exists():
        tmp = data_dir / f".{_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):  # another process won the race: use its key
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    restrict_to_owner(path)  # a key file of an older install may be 0644
    key = path.read_text().strip()
    if len(key) < MIN_KEY_CHARS:
        raise SigningKeyError(f"Tệp khoá ký {path} bị hỏng (quá ngắn). Hãy xoá tệp để máy chủ tạo khoá mới.")
    return key.encode()


# --- hashing ------------------------------------------------------------------------------------


def sha256_hex(value: str) -> str:
    """SHA-256 of the UTF-8 text, lower-case hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def same_digest(value: str, digest_hex: str) -> bool:
    """Constant-time check that ``sha256_hex(value) == digest_hex``."""
    return hmac.compare_digest(sha256_hex(value), digest_hex)


def hash_password(password: str) -> str:
    """Salted Argon2id hash (PHC string), the same scheme the desktop client uses."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; with ``None`` still spends the time of one check."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


# --- random secrets -----------------------------------------------------------------------------


def new_device_secret() -> str:
    """32 random bytes, base64url without padding (43 characters)."""
    return secrets.token_urlsafe(32)


def new_refresh_token() -> str:
    """An opaque refresh token: 32 random bytes, base64url."""
    return secrets.token_urlsafe(32)


def successor_refresh_token(key: bytes, token: str) -> str:
    """The token that replaces ``token`` when it is rotated.

    Derived (HMAC of the old token under the server key) rather than random, so a retry with the
    previous token inside the grace period gets the *same* successor while the server still
    stores only SHA-256 digests. Without the key nobody can compute it.
    """
    mac = hmac.new(key, b"motcua-refresh-successor\x00" + token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def new_enrolment_code() -> str:
    """A one-time code like ``K7QM-3XPA-TW9D`` (about 59 bits), easy to read out and type."""
    groups = ("".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_GROUP_LEN)) for _ in range(_CODE_GROUPS))
    return "-".join(groups)


def normalise_enrolment_code(code: str) -> str:
    """Upper case without spaces or dashes, so ``k7qm 3xpa-tw9d`` matches ``K7QM-3XPA-TW9D``."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


# --- access tokens ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The verified content of an access token."""

    officer_id: str
    username: str
    role: Role
    unit_code: str
    device_id: str
    expires_at: datetime
    token_id: str
    session_id: str  # the refresh-token family: the token dies with it (logout, deactivation)


def encode_access_token(
    key: bytes,
    *,
    officer_id: str,
    username: str,
    role: str,
    unit_code: str,
    device_id: str,
    session_id: str,
    now: datetime,
    lifetime: timedelta,
) -> tuple[str, datetime]:
    """Sign an access token of session ``session_id``; returns it and its expiry (UTC, whole seconds)."""
    issued = int(now.timestamp())
    expires = issued + int(lifetime.total_seconds())
    claims = {
        "iss": ISSUER,
        "typ": "access",
        "sub": officer_id,
        "usr": username,
        "role": role,
        "unit": unit_code,
        "dev": device_id,
        "sid": session_id,
        "iat": issued,
        "exp": expires,
        "jti": secrets.token_hex(12),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM), datetime.fromtimestamp(expires, UTC)


def decode_access_token(key: bytes, token: str, now: datetime) -> AccessClaims | None:
    """Verify signature, algorithm, issuer, type and expiry (against ``now``); None if any fails."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"verify_exp": False, "verify_iat": False, "require": ["exp", "iat", "sub", "jti"]},
        )
    except jwt.PyJWTError:
        return None
    fields = ("sub", "usr", "role", "unit", "dev", "jti", "sid")
    if claims.get("typ") != "access" or not all(isinstance(claims.get(f), str) for f in fields):
        return None
    expires = claims["exp"]
    if not isinstance(expires, int) or expires <= now.timestamp() or claims["role"] not in _ROLES:
        return None
    return AccessClaims(
        officer_id=claims["sub"],
        username=claims["usr"],
        role=claims["role"],
        unit_code=claims["unit"],
        device_id=claims["dev"],
        expires_at=datetime.fromtimestamp(expires, UTC),
        token_id=claims["jti"],
        session_id=claims["sid"],
    )


# --- offline grants -----------------------------------------------------------------------------


def _grant_message(officer_id: str, device_id: str, issued_at: datetime, expires_at: datetime) -> bytes:
    fields = {
        "officer_id": officer_id,
        "device_id": device_id,
        "issued_at": issued_at.isoformat(),
        "expires_at": expires_at.isoformat(),
    }
    return b"motcua-offline-grant\x00" + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def sign_offline_grant(key: bytes, officer_id: str, device_id: str, now: datetime, lifetime: timedelta) -> OfflineGrant:
    """A grant that lets ``officer_id`` log in offline on ``device_id`` until ``now + lifetime``."""
    issued_at = now.astimezone(UTC).replace(microsecond=0)
    expires_at = issued_at + lifetime
    mac = hmac.new(key, _grant_message(officer_id, device_id, issued_at, expires_at), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    return OfflineGrant(
        officer_id=officer_id, device_id=device_id, issued_at=issued_at, expires_at=expires_at, signature=signature
    )


def verify_offline_grant(key: bytes, grant: OfflineGrant) -> bool:
    """True if the server signed exactly this grant (expiry is the caller's check)."""
    lifetime = grant.expires_at - grant.issued_at
    expected = sign_offline_grant(key, grant.officer_id, grant.device_id, grant.issued_at, lifetime)
    return hmac.compare_digest(expected.signature, grant.signature)
