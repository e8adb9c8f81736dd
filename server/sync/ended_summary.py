"""The province's summary of ended dossiers per month (server migration 0017, PostgreSQL).

A year of a province is about a million dossier rows, and five in six of those a year's figures count
ended in that year. The figure cell of an ended dossier with a stored class (``ended_class``,
server/sync/facts.py) does not depend on the period, but for one thing: whether it was received in the
period or carried over into it. So ``ended_summary`` keeps, per month of the end, report key and 2.2's
minutes per working day, the sums of server/sync/indicators.py's cell **as if every dossier had been
received in the period**; the indicators read the whole months of a period there, take the carried-over
dossiers of those months back out row by row (:data:`EXPRESSION_INDEXES`: one short index range a month),
and read the rest — open at the close, ended in a partial month at the period's edges, or not
summarised (:data:`SUMMARISED`) — row by row as before.

Triggers on ``dossiers`` keep the table (statement-level for inserts and deletes, row-level for updates, run
only when the update changes what the summary reads; every writer: the push's fold, an upload
marking a dossier digitised, a migration, a benchmark writing rows in SQL), so it always equals its
definition, :func:`definition` (compared in tests/server/test_ended_summary.py). ``first_at`` (the
smallest ``received_at`` of a cell: the procedure's legal time and name are those of its first counted
dossier) is worked out again from the cell's dossiers (:data:`EXPRESSION_INDEXES`) when the dossier leaving it
held it. The triggers take a transaction advisory lock per office before they touch its rows, and a push takes
those of every office it writes ended dossiers of before its first write (:func:`lock_offices`): two writers
never update two rows in opposite orders.

The fragments below are the migration's: a change of them needs a migration that rebuilds the table and
its triggers.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

DISSATISFIED = "dissatisfied"

SUMMARISED = (
    "({p}ended_at IS NOT NULL AND {p}ended_class IS NOT NULL AND {p}report_key IS NOT NULL"
    " AND {p}received_at <= {p}ended_at AND coalesce({p}code, {p}printed_code) IS NOT NULL)"
)
"""A dossier the summary holds (never NULL): counted (a code), ended with its class stored, a report key,
and not ended before its receipt (an earlier result pulled late: its receipt decides whether it counts)."""

MONTH = "date_trunc('month', {p}ended_at)"
"""The month of the end (a timestamp, the first of the month at midnight), as the indexes have it."""

RESOLVED = "({p}processing_minutes IS NOT NULL AND {p}end_status IN (9, 10))"
"""2.2 counts it when received in the period (a result or return with a processing time)."""

DAY_MINUTES = f"CASE WHEN {RESOLVED} THEN coalesce({{p}}processing_day_minutes, 0) ELSE 0 END"
"""2.2's minutes per working day of the dossier's office, 0 when 2.2 does not count it: part of the
summary's key, so that 2.2's cells of different working-day lengths stay apart (indicators._levels_sql)."""

SUMS = ("n", "early", "on_time", "late", "dissatisfied", "digitised", "to_scan", "online", "postal", "n22",
        "minutes", "us")  # fmt: skip
"""The summed columns of ``ended_summary`` (then ``first_at``)."""


def contributions(p: str, sign: str = "1") -> str:
    """The summary's key and sums of one dossier (columns prefixed ``p``), each times ``sign``."""
    resolved = RESOLVED.format(p=p)

    def when(condition: str, value: str = sign) -> str:
        return f"CASE WHEN {condition} THEN {value} ELSE 0 END"

    return ", ".join(
        (
            f"CAST({MONTH.format(p=p)} AS date) AS month",
            f"{p}report_key AS report_key",
            f"{DAY_MINUTES.format(p=p)} AS pdm",
            f"{sign} AS n",
            when(f"{p}ended_class = 1") + " AS early",
            when(f"{p}ended_class = 2") + " AS on_time",
            when(f"{p}ended_class = 3") + " AS late",
            when(f"{p}rating = '{DISSATISFIED}'") + " AS dissatisfied",
            when(f"{p}digitised AND {p}scan_required") + " AS digitised",
            when(f"{p}scan_required") + " AS to_scan",
            when(f"{p}channel = 2") + " AS online",
            when(f"{p}channel = 3") + " AS postal",
            when(resolved) + " AS n22",
            when(resolved, f"{sign} * CAST({p}processing_minutes AS BIGINT)") + " AS minutes",
            when(f"{resolved} AND {p}processing_us > 0", f"{sign} * {p}processing_us") + " AS us",
            f"CASE WHEN {sign} > 0 THEN {p}received_at END AS first_at",
        )
    )


_COLUMNS = "span, month, report_key, pdm, " + ", ".join(SUMS) + ", first_at"
# Every dossier counts in its month's row (span 1) and its year's (span 12, month the 1st of January).
_GROUPED = (
    "SELECT s.span, CASE WHEN s.span = 12 THEN CAST(date_trunc('year', d.month) AS date) ELSE d.month END AS month,"
    " report_key, pdm, "
    + ", ".join(f"sum({c})" for c in SUMS)
    + ", min(first_at) FROM ({rows}) d CROSS JOIN (VALUES (1), (12)) s(span) GROUP BY 1, 2, 3, 4"
)


def definition() -> str:
    """The summary's rows worked out from ``dossiers`` (the back-fill, and what the tests compare)."""
    return _GROUPED.format(rows=f"SELECT {contributions('x.')} FROM dossiers x WHERE {SUMMARISED.format(p='x.')}")


OPEN_SPAN = "tsrange(received_at, ended_at, '(]')"
"""From the receipt (excluded) to the end (included): it holds a period's close exactly when the dossier was
open at that close and ended later (received before it, ended at or after it)."""
OPEN_SPAN_WHERE = "ended_at IS NOT NULL AND received_at <= ended_at AND coalesce(code, printed_code) IS NOT NULL"
"""The ended dossiers whose span is a range (an end before the receipt is none: it is open at no close)."""
OPEN_SPAN_INDEX = "ix_dossiers_open_span"
"""PostgreSQL only, GiST: the dossiers open at a past period's close and ended later, found directly (a
btree on the end or the receipt reads every dossier ended after that close, or received before it)."""

EXPRESSION_INDEXES = {
    "ix_dossiers_ended_month": (MONTH.format(p=""), "received_at"),
    "ix_dossiers_summary_key": ("report_key", MONTH.format(p=""), "received_at"),
}
"""PostgreSQL only, on the summarised dossiers: a period's carried-over dossiers per whole month (those
received before the period opens: one short range a month), and a cell's dossiers, for its ``first_at`` when
the dossier that held it leaves (server/sync/models.py names them too)."""

COUNTED = "coalesce(code, printed_code) IS NOT NULL"
ROW_INDEXES = {
    "ix_dossiers_open": ("received_at", f"ended_at IS NULL AND {COUNTED}", True),
    "ix_dossiers_ended_at": ("ended_at", f"ended_at IS NOT NULL AND {COUNTED}", True),
    "ix_dossiers_unsummarised": ("ended_at", f"ended_at IS NOT NULL AND {COUNTED} AND (ended_class IS NULL"
                                             " OR report_key IS NULL OR received_at > ended_at)", True),
}  # fmt: skip
"""What a period reads row by row beside the summary, as index ranges: the dossiers open now (by receipt),
those ended in a partial month or after the close (by end), and those the summary does not hold (by end).
Plain partial indexes, on every database (server/sync/models.py names them too), that include, on PostgreSQL,
every column the indicators read (models.covering_columns: index-only scans)."""

# What the summary reads of a dossier: an update changing none of it leaves the summary alone.
_WATCHED = ("ended_at", "ended_class", "report_key", "received_at", "code", "printed_code", "processing_minutes",
            "end_status", "processing_day_minutes", "rating", "digitised", "scan_required", "channel",
            "processing_us")  # fmt: skip


def _apply(rows: str, left: str | None) -> str:
    """Add the grouped ``rows`` (contributions) to the summary in key order, drop the emptied cells, and
    work ``first_at`` out again for the cells a dossier of ``left`` (month, report_key, pdm, received_at)
    left while holding it."""
    sums = ", ".join(f"{c} = s.{c} + excluded.{c}" for c in SUMS)
    sql = (
        f"INSERT INTO ended_summary AS s ({_COLUMNS}) {_GROUPED.format(rows=rows)} ORDER BY 1, 2, 3, 4"
        f" ON CONFLICT (span, month, report_key, pdm) DO UPDATE SET {sums},"
        " first_at = least(s.first_at, excluded.first_at);"
    )
    if left is None:
        return sql
    month = MONTH.format(p="x.")
    cell = (
        f"x.report_key = s.report_key AND {month} >= s.month AND {month} < s.month + make_interval(months => s.span)"
        f" AND {DAY_MINUTES.format(p='x.')} = s.pdm AND {SUMMARISED.format(p='x.')}"
    )
    # the cells left: each dossier's month row and year row
    cells = (
        "SELECT s.span, CASE WHEN s.span = 12 THEN CAST(date_trunc('year', l.month) AS date) ELSE l.month END"
        f" AS month, l.report_key, l.pdm, l.received_at FROM ({left}) l CROSS JOIN (VALUES (1), (12)) s(span)"
    )
    same = "s.span = l.span AND s.month = l.month AND s.report_key = l.report_key AND s.pdm = l.pdm"
    return (
        sql + f" DELETE FROM ended_summary s USING ({cells}) l WHERE {same} AND s.n <= 0;"
        f" UPDATE ended_summary s SET first_at = (SELECT min(x.received_at) FROM dossiers x WHERE {cell})"
        f" FROM (SELECT span, month, report_key, pdm, min(received_at) AS received_at FROM ({cells}) l"
        f" GROUP BY span, month, report_key, pdm) l WHERE {same} AND l.received_at <= s.first_at;"
    )


def _function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}\n"
        "RETURN NULL;\nEND\n$$"
    )


def _leaving(alias: str) -> str:
    return (
        f"CAST({MONTH.format(p=alias)} AS date) AS month, {alias}report_key AS report_key,"
        f" {DAY_MINUTES.format(p=alias)} AS pdm, {alias}received_at AS received_at"
    )


_S_O, _S_N = SUMMARISED.format(p="o."), SUMMARISED.format(p="n.")
_S_OLD, _S_NEW = SUMMARISED.format(p="OLD."), SUMMARISED.format(p="NEW.")
_SEEN = (
    f"({_S_OLD} OR {_S_NEW}) AND ROW({', '.join(f'OLD.{c}' for c in _WATCHED)})"
    f" IS DISTINCT FROM ROW({', '.join(f'NEW.{c}' for c in _WATCHED)})"
)
"""An update the summary sees: of a dossier it holds (before or after), changing what it reads."""

LOCK_KEY = "hashtextextended('motcua.ended_summary:' || {unit}, 0)"
"""The transaction advisory lock of one office's summary rows (``{unit}``: an SQL text expression)."""


def _lock(units: str) -> str:
    """Take the summary locks of the offices ``units`` (a query of ``unit_code``) in one order: a writer holds its
    dossier rows already (an UPDATE's, or the push's ``FOR UPDATE``), so writers never wait in a cycle."""
    return (
        f"PERFORM count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT {LOCK_KEY.format(unit='u.unit_code')} AS k"
        f" FROM ({units}) u ORDER BY k) l;"
    )


def lock_offices(session: Session, units: Iterable[str]) -> None:
    """Take the summary locks of ``units`` now (PostgreSQL): a push writing several offices' ended dossiers takes
    them all at once, in the triggers' order, before its first write (the triggers take them again, held)."""
    ordered = sorted(set(units))
    if ordered:
        session.execute(
            text(
                f"SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT {LOCK_KEY.format(unit='u')} AS k"
                " FROM unnest(CAST(:units AS text[])) u ORDER BY k) l"
            ),
            {"units": ordered},
        )


FUNCTIONS = {
    "motcua_ended_summary_ins": _lock(f"SELECT n.unit_code FROM new_rows n WHERE {_S_N}")
    + _apply(f"SELECT {contributions('n.')} FROM new_rows n WHERE {_S_N}", None),
    "motcua_ended_summary_del": _lock(f"SELECT o.unit_code FROM old_rows o WHERE {_S_O}")
    + _apply(
        f"SELECT {contributions('o.', '-1')} FROM old_rows o WHERE {_S_O}",
        f"SELECT {_leaving('o.')} FROM old_rows o WHERE {_S_O}",
    ),
    # a row trigger, run only WHEN the row's change is one the summary sees (most updates are not: handovers,
    # versions, open dossiers)
    "motcua_ended_summary_upd": _lock(f"SELECT NEW.unit_code AS unit_code WHERE {_S_NEW} OR {_S_OLD}")
    + _apply(
        f"SELECT {contributions('OLD.', '-1')} WHERE {_S_OLD} UNION ALL SELECT {contributions('NEW.')} WHERE {_S_NEW}",
        # the dossier leaves its cell when no longer summarised, in another cell, or with another receipt
        f"SELECT {_leaving('OLD.')} WHERE {_S_OLD} AND (NOT {_S_NEW}"
        f" OR ({MONTH.format(p='OLD.')}, OLD.report_key, {DAY_MINUTES.format(p='OLD.')}, OLD.received_at)"
        f" IS DISTINCT FROM ({MONTH.format(p='NEW.')}, NEW.report_key, {DAY_MINUTES.format(p='NEW.')},"
        " NEW.received_at))",
    ),
}
TRIGGERS = {
    "ended_summary_ins": "AFTER INSERT ON dossiers REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION motcua_ended_summary_ins()",
    "ended_summary_del": "AFTER DELETE ON dossiers REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION motcua_ended_summary_del()",
    "ended_summary_upd": f"AFTER UPDATE ON dossiers FOR EACH ROW WHEN ({_SEEN})"
    " EXECUTE FUNCTION motcua_ended_summary_upd()",
}


def rebuild(session: Session) -> None:
    """Work the whole summary out again from the dossiers (PostgreSQL, a few seconds for a million). For a later
    migration that rewrites a column the summary reads on many rows: the update trigger runs once a row
    (≈ 0.15 ms each), so such a migration disables it (``ALTER TABLE dossiers DISABLE TRIGGER
    ended_summary_upd``), updates, enables it and calls this."""
    session.execute(text("DELETE FROM ended_summary"))
    session.execute(text(f"INSERT INTO ended_summary ({_COLUMNS}) {definition()}"))


def create_statements() -> list[str]:
    """After the table (server migration 0017): its back-fill, the expression indexes, the functions and the
    triggers, in order (PostgreSQL)."""
    return [
        f"INSERT INTO ended_summary ({_COLUMNS}) {definition()}",
        *(
            f"CREATE INDEX {name} ON dossiers ({', '.join(parts)}) WHERE {SUMMARISED.format(p='')}"
            for name, parts in EXPRESSION_INDEXES.items()
        ),
        f"CREATE INDEX {OPEN_SPAN_INDEX} ON dossiers USING gist ({OPEN_SPAN}) WHERE {OPEN_SPAN_WHERE}",
        *(_function(name, body) for name, body in FUNCTIONS.items()),
        *(f"CREATE TRIGGER {name} {spec}" for name, spec in TRIGGERS.items()),
    ]


def drop_statements() -> list[str]:
    """What :func:`create_statements` made, dropped."""
    return [
        *(f"DROP TRIGGER IF EXISTS {name} ON dossiers" for name in TRIGGERS),
        *(f"DROP FUNCTION IF EXISTS {name}()" for name in FUNCTIONS),
        *(f"DROP INDEX IF EXISTS {name}" for name in EXPRESSION_INDEXES),
        f"DROP INDEX IF EXISTS {OPEN_SPAN_INDEX}",
    ]
