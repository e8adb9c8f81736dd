"""Run a start-up variant and end the process the moment it prints its "ready" line.

For counting what start-up costs with valgrind, which counts instructions (the same count for
the same code whatever else the machine does), not milliseconds::

    QT_QPA_PLATFORM=offscreen valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.app \\
        .venv/bin/python bench/ready_exit.py app --data-dir bench/data/startup
    QT_QPA_PLATFORM=offscreen valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.bare \\
        .venv/bin/python bench/ready_exit.py bare

``app`` is ``motcua --smoke-test`` (prepare the data folder once with a plain smoke test);
``bare`` is bench_startup.py's bare window; ``reference`` is bench/startup_reference.py.
Everything after the ready line (the store opening in the background) is left out.
"""

from __future__ import annotations

import builtins
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_print = builtins.print
# The bare window of bench_startup.py (which imports it from here).
BARE = (
    "import sys\n"
    "from PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication(sys.argv)\n"
    "w = QMainWindow()\n"
    "w.resize(1366, 740)\n"
    "w.show()\n"
    "app.processEvents()\n"
    "print('ready', flush=True)\n"
)


def _print_then_exit_at_ready(*args: object, **kwargs: object) -> None:
    _print(*args, **kwargs)  # type: ignore[call-overload]
    if args and "ready" in str(args[0]):
        sys.stdout.flush()
        os._exit(0)


def main() -> None:
    variant, rest = sys.argv[1], sys.argv[2:]
    builtins.print = _print_then_exit_at_ready
    sys.path.insert(0, ROOT)
    if variant == "app":
        from ui.cli import main as motcua

        sys.argv = ["motcua", "--smoke-test", *rest]
        motcua()
    elif variant == "bare":
        exec(compile(BARE, "bare", "exec"), {"__name__": "__main__"})
    elif variant == "reference":
        with open(os.path.join(ROOT, "bench", "startup_reference.py"), encoding="utf-8") as f:
            source = f.read()
        exec(compile(source, "startup_reference.py", "exec"), {"__name__": "__main__"})
    else:
        raise SystemExit(f"unknown variant {variant!r}: app, bare or reference")
    raise SystemExit("no ready line")


if __name__ == "__main__":
    main()
