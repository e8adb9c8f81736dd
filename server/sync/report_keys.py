"""The report key of a server dossier: one small integer per combination of what the indicators group by.

Grouping a year of a province's dossiers by ten text columns (office, department code and name, field,
procedure code and name, officer id and name, legal time) costs the database several times the scan
itself; grouping by one integer does not. So each combination is a row of ``report_keys`` (migration
0011), named by the MD5 of its values, and a dossier row holds its id in ``report_key``; the
indicators (server/sync/indicators.py) group by it and join the few thousand keys back. The push's
fold (server/sync/push.py) and the migration's back-fill give rows their key with :func:`assign`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from server.sync.models import ReportKey

KEY_COLUMNS = ("unit_code", "department_code", "department_name", "field", "procedure_code", "procedure_name",
               "officer_id", "officer_name", "legal_value", "legal_unit")  # fmt: skip
"""What a report key stands for (the dossier row's columns of the same names)."""


def digest(row: dict[str, Any]) -> str:
    """The MD5 (hex) naming the combination of ``row``'s :data:`KEY_COLUMNS`."""
    text = "\x1f".join("" if row.get(c) is None else repr(row[c]) for c in KEY_COLUMNS)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def assign(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Set ``row["report_key"]`` of every row from its :data:`KEY_COLUMNS`, adding the missing keys.

    Two pushes adding one key at once: ``ON CONFLICT DO NOTHING`` lets the second wait for the first and
    then read its row.
    """
    if not rows:
        return
    wanted = {digest(r): r for r in rows}
    known = _known(conn, list(wanted))
    missing: list[dict[str, Any]] = [
        {"digest": d, **{c: r.get(c) for c in KEY_COLUMNS}} for d, r in wanted.items() if d not in known
    ]
    if missing:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(insert(ReportKey).on_conflict_do_nothing(index_elements=["digest"]), missing)
        known |= _known(conn, [m["digest"] for m in missing])
    for r in rows:
        r["report_key"] = known[digest(r)]


def _known(conn: Connection, digests: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i in range(0, len(digests), 500):
        chunk = digests[i : i + 500]
        found.update(
            {d: i for d, i in conn.execute(select(ReportKey.digest, ReportKey.id).where(ReportKey.digest.in_(chunk)))}
        )
    return found
