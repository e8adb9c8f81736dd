"""GUI fixtures: a logged-in UiContext with scripted prompts (no human needed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session, sessionmaker

from app.domain.catalog import Catalog
from app.domain.office import OfficeInfo
from app.services.context import Actor
from app.services.office import load_calendar
from tests.conftest import NOW
from ui.changes import ChangeBus
from ui.context import UiContext
from ui.ops import OpRunner
from ui.prompts import Prompts


class ScriptedPrompts(Prompts):
    """Answers every modal question from attributes a test sets; records what was asked."""

    def __init__(self, tmp_path: Path) -> None:
        self.save_path: str | None = str(tmp_path / "phieu.pdf")
        self.print_ok = True
        self.confirm_answer = True
        self.asked: list[tuple[str, str]] = []
        self.errors: list[tuple[str, str]] = []

    def save_pdf_path(self, parent: QWidget, suggested: str) -> str | None:
        self.asked.append(("save", suggested))
        return self.save_path

    def choose_printer(self, parent: QWidget, printer: QPrinter) -> bool:
        self.asked.append(("print", printer.printerName()))
        return self.print_ok

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        self.asked.append(("confirm", text))
        return self.confirm_answer

    def choose(self, parent: QWidget, title: str, text: str, accept: str, reject: str) -> bool:
        self.asked.append(("choose", text))
        return self.confirm_answer

    def error(self, parent: QWidget, title: str, text: str) -> None:
        self.errors.append((title, text))


@pytest.fixture
def prompts(tmp_path: Path) -> ScriptedPrompts:
    return ScriptedPrompts(tmp_path)


@pytest.fixture
def ui_ctx(
    qtbot: object,
    factory: sessionmaker[Session],
    catalog: Catalog,
    office: OfficeInfo,
    actor: Actor,
    prompts: ScriptedPrompts,
) -> Iterator[UiContext]:
    runner = OpRunner(factory)
    with factory() as session:
        calendar = load_calendar(session)
    ctx = UiContext(factory, runner, ChangeBus(), catalog, calendar, office, actor, prompts, clock=lambda: NOW)
    yield ctx
    runner.wait()
