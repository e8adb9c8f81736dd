"""Where start-up's instructions go: the smoke test's path, cut off at a named stage.

Runs the same steps as ``motcua --smoke-test`` (ui/main.py ``run`` and ``start``), in order, and
ends the process with ``os._exit`` at the stage named on the command line. Under callgrind the
instruction count of each stage is deterministic, so consecutive stages' difference is what that
step costs::

    for s in python pyside uimain ctx mainwindow imports qapp theme data scanners ctor show ready; do
        QT_QPA_PLATFORM=offscreen valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$s \\
            .venv/bin/python bench/startup_stages.py $s --data-dir bench/data/startup 2>&1 | grep Collected
    done

Stages: python (interpreter only), pyside (``PySide6.QtWidgets`` imported: what the bare window
costs before its window), uimain (``ui.cli``, ``ui.main``), ctx (the UI context's modules),
mainwindow (``ui.main_window``: the Qt namespace, reception screen, scanner modules), imports
(the rest of ``run``'s imports), qapp, theme (fonts, palette), data (catalog, office snapshot,
calendar, officer), scanners (barcode scanner objects), ctor (MainWindow built), show, ready
(first ``processEvents``: polish and paint; the smoke test prints its ready line here).
Prepare the data folder once with ``motcua --smoke-test --data-dir bench/data/startup``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("python", "pyside", "uimain", "ctx", "mainwindow", "imports", "qapp", "theme", "data", "scanners",
          "ctor", "show", "ready")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data" / "startup")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    def cut(name: str) -> None:
        if name == args.stage:
            sys.stdout.flush()
            os._exit(0)

    cut("python")
    from PySide6.QtWidgets import QApplication

    cut("pyside")
    import ui.cli  # the entry point's module, as `motcua` imports it
    import ui.main

    cut("uimain")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QDialog, QMessageBox  # noqa: F401  (run() imports them)

    from ui.changes import ChangeBus
    from ui.context import UiContext

    cut("ctx")
    from ui.main_window import MainWindow

    cut("mainwindow")
    from ui.ops import OpRunner
    from ui.prompts import Prompts
    from ui.screens.login import LoginDialog  # noqa: F401
    from ui.theme import STYLE_ARGS, apply_theme

    cut("imports")
    data_dir: Path = args.data_dir
    ui.main.setup_logging(data_dir)
    app = QApplication([sys.argv[0], *STYLE_ARGS])
    cut("qapp")
    apply_theme(app, style_set=True)
    cut("theme")
    from app.scanning.blobs import BlobStore
    from app.services.context import Actor, Role
    from app.store.boot import current_catalog, first_officer, read_snapshot
    from app.sync.boot import read_enrolment

    db_path = data_dir / ui.main.DB_NAME
    catalog = current_catalog(db_path)
    snapshot = read_snapshot(db_path)
    read_enrolment(db_path)
    row = first_officer(db_path)
    if snapshot is None or row is None:
        raise SystemExit(f"prepare {data_dir} first: motcua --smoke-test --data-dir {data_dir}")
    loader = ui.main.StoreLoader(db_path)
    runner, bus, prompts = OpRunner(loader), ChangeBus(), Prompts()
    office = snapshot.office
    officer_id, username, full_name, role = row
    actor = Actor(officer_id, username, full_name, Role(role), office.device_id, office.counter_name,
                  office.unit_code, office.name)  # fmt: skip
    cut("data")
    ctx = UiContext(loader, runner, bus, catalog, snapshot.calendar, office, actor, prompts,
                    blobs=BlobStore(data_dir / "attachments"))  # fmt: skip
    from ui.scanner.inputs import ScannerInputs
    from ui.scanner.settings import ScannerSettingsStore

    inputs = ScannerInputs(ScannerSettingsStore())
    QTimer.singleShot(0, lambda: inputs.start(app))
    cut("scanners")
    window = MainWindow(ctx, None, None, inputs)
    cut("ctor")
    window.resize(1366, 740)
    window.show()
    cut("show")
    app.processEvents()
    cut("ready")


if __name__ == "__main__":
    main()
