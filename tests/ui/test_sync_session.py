"""The composition root (ui.main.run) driven like an IT person and an officer would, in a subprocess:
log out and in again; enrol a standalone PC with the real server, log in with the server's account,
see the status bar report the first sync. (Logging out used to quit the whole program.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DRIVER = r"""
import os, socket, sys, tempfile, threading, time
from datetime import UTC, datetime
from pathlib import Path
import keyring, uvicorn
from tests.sync_support import MemoryKeyring
keyring.set_keyring(MemoryKeyring())
from server import admin
from server.app import create_app
from server.config import Settings
from server.db import transaction
tmp = Path(sys.argv[1])
app = create_app(Settings(data_dir=tmp / "server"))
UNIT = "000.01.00.H49"
with transaction(app.state.ctx.factory) as s:
    now = datetime.now(UTC)
    admin.create_office(s, now, unit_code=UNIT, name="Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
                        governing_body="UBND TỈNH QUẢNG NINH", place_name="Quảng Ninh")
    admin.create_officer(s, now, UNIT, username="canbo.ht", full_name="Phạm Thu Hà", role="officer",
                         password="matkhau-2026")
    code = admin.create_enrolment_code(s, now, UNIT, hours=1).code
sock = socket.socket(); sock.bind(("127.0.0.1", 0))
server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
while not server.started:
    time.sleep(0.05)
url = f"http://127.0.0.1:{sock.getsockname()[1]}"
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
qapp = QApplication([])
from ui.actions import ActionId
from ui.main import run
from ui.main_window import MainWindow
from ui.screens.enrol import EnrolDialog
from ui.screens.login import LoginDialog
script = [
    ("login", "canbo", "motcua2026"),  # the demo officer of a standalone PC
    ("logout",),
    ("login", "quantri", "quantri2026"),  # the demo admin: IT enrols the PC
    ("enrol",),
    ("message",),
    ("login", "canbo.ht", "matkhau-2026"),  # an account of the office on the server
    ("synced",),
]
def drive():
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    find = lambda kind: next((w for w in shown if isinstance(w, kind)), None)
    dialog, window = find(LoginDialog), find(MainWindow)
    step = script[0]
    done = False
    if step[0] == "login" and dialog is not None and window is None and dialog.login_button.isEnabled():
        dialog.username.setText(step[1]); dialog.password.setText(step[2]); dialog.login_button.click(); done = True
    elif step[0] == "logout" and window is not None:
        window.actions_[ActionId.LOGOUT].trigger(); done = True
    elif step[0] == "enrol" and window is not None and find(EnrolDialog) is None:
        window.actions_[ActionId.ENROL].trigger()
    elif step[0] == "enrol" and find(EnrolDialog) is not None:
        e = find(EnrolDialog)
        e.server_url.setText(url); e.code.setText(code); e.counter_name.setText("Quầy số 07"); e.enrol_button.click()
        done = True
    elif step[0] == "message" and find(QMessageBox) is not None:
        find(QMessageBox).accept(); done = True
    elif step[0] == "synced" and window is not None and window.pending.text().startswith("Đã đồng bộ lúc"):
        print("STEP synced", window.windowTitle(), "|", window.online.text(), flush=True)
        window.close()
        return
    if dialog is not None and dialog.error.isVisible() and dialog.error.text() != getattr(drive, "shown", ""):
        drive.shown = dialog.error.text()
        print("LOGIN ERROR", drive.shown, flush=True)
    if done:
        print("STEP", step[0], flush=True)
        script.pop(0)
    QTimer.singleShot(50, drive)
QTimer.singleShot(200, drive)
QTimer.singleShot(60_000, qapp.quit)
print("EXIT", run(tmp / "desk"), flush=True)
server.should_exit = True
"""


def test_logout_login_and_enrolment_through_the_real_composition_root(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", DRIVER, str(tmp_path)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    steps = [line for line in result.stdout.splitlines() if line.startswith(("STEP", "EXIT"))]
    assert steps[:6] == ["STEP login", "STEP logout", "STEP login", "STEP enrol", "STEP message", "STEP login"], (
        result.stdout + result.stderr
    )
    assert steps[6].startswith(
        "STEP synced MotCua Desk – Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh – Quầy số 07"
    )
    assert "Trực tuyến" in steps[6]
    assert steps[7] == "EXIT 0"
    log = (tmp_path / "desk" / "logs" / "motcua.log").read_text("utf-8")
    assert "unexpected error" not in log, log  # e.g. a worker's answer reaching a closed window
