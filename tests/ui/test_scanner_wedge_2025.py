"""Keyboard-mode scanner and 2025-format dossier codes (Circular 04/2025): a code whose sequence has
more than 4 digits is never cut at the 20th or 25th key, where a 2018 code would end."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.domain.scan import ScanKind
from app.printing.labels import label_barcode_text
from tests.ui.test_scanner_wedge import T0, Screen, Wedge, screen, settle, wedge  # noqa: F401  (fixtures)
from ui.scanner.simulate import KeySender


@pytest.mark.parametrize(
    "code",
    [
        "H49.001.01-261123-AB0731",  # 24 characters: ends with the pause after the burst
        "H49.001.01-261123-AB12345",  # 25 characters, and 20 on its label: both read as codes already
        "H49.001.01-261123-AB123456",  # its first 25 keys read as another dossier's code
        "H49.001.01-261123-AB0000000731",
    ],
)
@pytest.mark.parametrize("label", [False, True])
def test_a_2025_code_is_scanned_whole(
    qtbot: QtBot,
    screen: Screen,  # noqa: F811
    wedge: Wedge,  # noqa: F811
    code: str,
    label: bool,
) -> None:
    KeySender(screen).scan(label_barcode_text(code) if label else code, T0, gap=8)
    settle(qtbot, wedge)
    assert wedge.values() == [code]
    assert wedge.scans[0][0].kind is ScanKind.DOSSIER
    assert screen.edit.text() == ""


def test_a_2018_code_still_ends_at_its_last_key(screen: Screen, wedge: Wedge) -> None:  # noqa: F811
    KeySender(screen).scan("000.00.00.H49-260213-0001", T0)
    assert wedge.values() == ["000.00.00.H49-260213-0001"]
    assert not wedge.filter.busy
