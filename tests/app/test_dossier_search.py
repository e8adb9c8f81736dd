"""Dossier search semantics: accents ignored, names as typed first, any order as a fallback."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from app.domain.status import DossierStatus
from app.services.dossiers import fts_query, get_by_code, get_detail, search
from app.store.db import transaction
from tests.app.test_reception import APPLICANT, draft, receive

PEOPLE = [
    ("Nguyễn Văn An", "022090001234", "0912000001"),
    ("Đặng Đức Dương", "022088004321", "0912000002"),
    ("An Thị Nguyễn", "022190005555", "0912000003"),
]


def fill(factory, actor, catalog):
    codes = {}
    for name, pid, phone in PEOPLE:
        birth = date(1990 if pid[4:6] == "90" else 1988, 1, 1)
        sex = "Nữ" if pid[3] == "1" else "Nam"
        applicant = replace(APPLICANT, full_name=name, personal_id=pid, phone=phone, birth_date=birth, sex=sex)
        codes[name] = receive(factory, actor, catalog, draft(catalog, applicant=applicant)).code
    return codes


def names(rows):
    return [r.applicant_name for r in rows]


def test_search_by_name_id_phone_code(factory, actor, catalog):
    codes = fill(factory, actor, catalog)
    with factory() as s:
        assert names(search(s, "nguyen van an")) == ["Nguyễn Văn An"]  # the phrase, not "An Thị Nguyễn"
        assert names(search(s, "NGUYỄN VĂN A")) == ["Nguyễn Văn An"]  # prefix of the last word
        assert names(search(s, "dang duc duong")) == ["Đặng Đức Dương"]  # đ folds to d
        assert names(search(s, "nguyen an")) == ["An Thị Nguyễn", "Nguyễn Văn An"]  # fallback: any order
        assert names(search(s, "022088")) == ["Đặng Đức Dương"]
        assert names(search(s, "0912000003")) == ["An Thị Nguyễn"]
        assert names(search(s, codes["Nguyễn Văn An"])) == ["Nguyễn Văn An"]
        assert names(search(s, " " + codes["Nguyễn Văn An"].lower() + " ")) == ["Nguyễn Văn An"]  # scanned
        assert names(search(s, "nguyen", status=DossierStatus.REFUSED)) == []
        assert len(search(s, "", status=DossierStatus.RECEIVED)) == 3
        assert search(s, "khong co ai ten nay") == []
        row = get_by_code(s, codes["Đặng Đức Dương"])
        assert row is not None and get_detail(s, row.uid).history[0].label == "Tiếp nhận hồ sơ"


def test_fts_query_never_passes_syntax_through():
    assert fts_query('a" OR b* NEAR(') == '"a"* "or"* "b"* "near"*'
    assert fts_query("  ") == ""
    assert fts_query("nguyễn văn", phrase=True) == '"nguyen van"*'


def test_a_status_search_on_the_newest_hits_gives_what_all_the_hits_give(factory, actor, catalog, monkeypatch):
    """A word with more hits than the window is first looked up among its newest hits (app.services.dossiers
    ``_WINDOW``); the answer is the same as collecting every hit, whether the window holds ``limit`` dossiers
    of the status, fewer (all the hits are collected then), or the word has fewer hits than the window."""
    from app.services import dossiers
    from tests.app.test_statistics import copies

    fill(factory, actor, catalog)
    with transaction(factory) as s:
        copies(s, 40, every=7, status=int(DossierStatus.PROCESSING))  # "Nguyễn Văn An" 41 times, 5 processing
    cases = [(q, st, limit) for q in ("nguyen", "nguyen van an", "duong", "0912000001")
             for st in (DossierStatus.RECEIVED, DossierStatus.PROCESSING, DossierStatus.RETURNED)
             for limit in (1, 3, 5, 200)]  # fmt: skip
    with factory() as s:
        reference = {c: [r.code for r in search(s, c[0], status=int(c[1]), limit=c[2])] for c in cases}
    assert reference[("nguyen", DossierStatus.PROCESSING, 200)].__len__() == 5
    for window in (1, 4, 6, 30):
        monkeypatch.setattr(dossiers, "_WINDOW", window)
        with factory() as s:
            for c, expected in reference.items():
                assert [r.code for r in search(s, c[0], status=int(c[1]), limit=c[2])] == expected, (window, c)
