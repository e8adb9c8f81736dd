"""Vietnamese for Qt's own dialogs: the shipped ``qtbase_vi`` catalogue and the Vietnamese locale.

Qt ships no Vietnamese translation of its standard dialogs (Yes/No, the file and print dialogs,
the line-edit context menu…), so the project carries one: ``resources/i18n/qtbase_vi.ts`` (the
source, editable in Qt Linguist) compiled to ``qtbase_vi.qm`` by ``scripts/build_translations.py``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from app.resources import resource_path

CATALOGUE = "qtbase_vi"
VIETNAMESE = QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam)


def catalogue_path() -> str:
    """The compiled catalogue (``resources/i18n/qtbase_vi.qm``; bundled by build.spec)."""
    return str(resource_path("i18n", f"{CATALOGUE}.qm"))


def install_vietnamese(app: QCoreApplication) -> QTranslator | None:
    """Make Qt's standard dialogs speak Vietnamese; call once, before any widget is built.

    Installs the ``qtbase_vi`` translator (parented to ``app`` so it lives as long as the
    application) and makes Vietnamese the default locale, so month names in date pop-ups, dates
    in the file dialog and sorting follow Vietnamese usage.

    Args:
        app: The application.

    Returns:
        The installed translator, or None when the catalogue is missing or unreadable (Qt then
        shows its English texts; the smoke test reports it).
    """
    QLocale.setDefault(VIETNAMESE)
    translator = QTranslator(app)
    if not translator.load(catalogue_path()) or not app.installTranslator(translator):
        translator.deleteLater()
        return None
    return translator


def qt_speaks_vietnamese() -> bool:
    """Whether Qt's own texts are translated now (the Yes button of a question box says "Có")."""
    return QCoreApplication.translate("QPlatformTheme", "&Yes") == "&Có"
