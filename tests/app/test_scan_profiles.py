"""Scan profiles and scanner configuration in the real local SQLite store; the device registry."""

# ruff: noqa: F811 - sane_env is an imported fixture

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import update

from app.errors import ValidationError
from app.scanning.devices import ScannerConfig, backend_for, backends, list_devices
from app.scanning.devices.escl import EsclBackend
from app.scanning.devices.folder import FolderBackend
from app.scanning.devices.sane import SaneBackend
from app.scanning.model import ColorMode, DeviceInfo, PaperSource, ScanError, ScanErrorKind, ScanProfile, ScanSettings
from app.scanning.profiles import (
    DEFAULT_PROFILES,
    PROFILES_KEY,
    SCANNER_CONFIG_KEY,
    last_profile_name,
    load_profiles,
    load_scanner_config,
    remember_profile,
    save_profiles,
    save_scanner_config,
)
from app.store.db import transaction
from app.store.models import Setting
from tests.escl_fake import EsclFake
from tests.sane_support import sane_env  # noqa: F401

MINE = ScanProfile("Hộ tịch  màu 300", "sane:test:0", ScanSettings(300, ColorMode.COLOR, PaperSource.FEEDER))


def test_defaults_until_profiles_are_saved_then_they_survive_a_new_session(factory):
    with factory() as session:
        assert load_profiles(session) == list(DEFAULT_PROFILES)
        assert [p.name for p in DEFAULT_PROFILES] == [
            "Đen trắng 300 dpi hai mặt",
            "Xám 200 dpi một mặt",
            "Màu 200 dpi mặt kính",
        ]
        assert last_profile_name(session) is None
    with transaction(factory) as session:
        save_profiles(session, [MINE, DEFAULT_PROFILES[1]])
        remember_profile(session, "Hộ tịch màu 300")
    with factory() as session:
        loaded = load_profiles(session)
        assert loaded == [ScanProfile("Hộ tịch màu 300", "sane:test:0", MINE.settings), DEFAULT_PROFILES[1]]
        assert last_profile_name(session) == "Hộ tịch màu 300"
    with transaction(factory) as session:  # saving again updates the same row
        save_profiles(session, [DEFAULT_PROFILES[2]])
    with factory() as session:
        assert load_profiles(session) == [DEFAULT_PROFILES[2]]


def test_names_are_stored_in_nfc(factory):
    decomposed = "Xa\u0301m nhanh"  # "Xám" typed with a combining accent
    with transaction(factory) as session:
        save_profiles(session, [ScanProfile(decomposed, "", ScanSettings())])
    with factory() as session:
        [profile] = load_profiles(session)
    assert profile.name == "Xám nhanh" and len(profile.name) == 9


@pytest.mark.parametrize(
    ("profiles", "message"),
    [
        ([], "Cần ít nhất một cấu hình quét."),
        ([ScanProfile("  ", "", ScanSettings())], "Tên cấu hình quét không được để trống."),
        ([MINE, ScanProfile("hộ tịch màu 300", "", ScanSettings())], "Có hai cấu hình quét cùng tên"),
        ([ScanProfile("x" * 81, "", ScanSettings())], "dài quá 80 ký tự"),
    ],
)
def test_bad_profiles_are_refused_in_vietnamese(factory, profiles, message):
    with factory() as session, pytest.raises(ValidationError) as caught:
        save_profiles(session, profiles)
    assert message in caught.value.message


def store_raw(factory, key: str, value: object) -> None:
    with transaction(factory) as session:
        if session.get(Setting, key) is None:
            session.add(Setting(key=key, value=value))
        else:
            session.execute(update(Setting).where(Setting.key == key).values(value=value))


def test_bad_stored_json_falls_back_to_defaults(factory):
    store_raw(factory, PROFILES_KEY, {"not": "a list"})
    with factory() as session:
        assert load_profiles(session) == list(DEFAULT_PROFILES)
    store_raw(
        factory,
        PROFILES_KEY,
        [
            "rác",
            {"name": ""},
            {"name": "Tốt", "device_id": 5, "settings": {"resolution": "abc", "color_mode": "tím", "source": "x"}},
            {"name": "tốt", "settings": {}},  # duplicate name (case-insensitive)
        ],
    )
    with factory() as session:
        assert load_profiles(session) == [ScanProfile("Tốt", "", ScanSettings())]
    store_raw(factory, PROFILES_KEY, [1, 2, 3])
    store_raw(factory, "scan_last_profile", ["not", "a", "name"])
    store_raw(factory, SCANNER_CONFIG_KEY, "garbage")
    with factory() as session:
        assert load_profiles(session) == list(DEFAULT_PROFILES)
        assert last_profile_name(session) is None
        assert load_scanner_config(session) == ScannerConfig()


def test_scanner_config_round_trip_and_validation(factory, tmp_path):
    config = ScannerConfig(escl_urls=["http://192.168.1.20/eSCL/"], watched_folders=[tmp_path / "scan"])
    with transaction(factory) as session:
        save_scanner_config(session, config)
    with factory() as session:
        assert load_scanner_config(session) == ScannerConfig(["http://192.168.1.20/eSCL"], [tmp_path / "scan"])
    with factory() as session:
        with pytest.raises(ValidationError) as caught:
            save_scanner_config(session, ScannerConfig(escl_urls=["192.168.1.20"]))
        assert "phải có dạng http://" in caught.value.message
        with pytest.raises(ValidationError) as caught:
            save_scanner_config(session, ScannerConfig(watched_folders=[Path("scan")]))
        assert "đường dẫn đầy đủ" in caught.value.message
    assert ScannerConfig.from_json({"escl_urls": ["", 3, "http://a/eSCL"], "watched_folders": None}) == ScannerConfig(
        ["http://a/eSCL"], []
    )


def test_registry_lists_every_backend_and_leaves_out_failing_ones(sane_env, monkeypatch, tmp_path):
    monkeypatch.setenv("SANE_CONFIG_DIR", sane_env["SANE_CONFIG_DIR"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{probe.getsockname()[1]}/eSCL"
    folder = tmp_path / "may-quet-mang"
    folder.mkdir()
    with EsclFake() as fake:
        config = ScannerConfig(escl_urls=[dead_url, fake.url], watched_folders=[folder, tmp_path / "chua-co"])
        assert [b.name for b in backends(config)] == ["sane", "escl", "folder", "folder"]
        devices = list_devices(config)
    assert [d.id for d in devices] == ["sane:test:0", "sane:test:1", f"escl:{fake.url}", f"folder:{folder}"]
    kinds = {d.backend: type(backend_for(d, config)) for d in devices}
    assert kinds == {"sane": SaneBackend, "escl": EsclBackend, "folder": FolderBackend}
    with pytest.raises(ScanError) as caught:
        backend_for(DeviceInfo("wia:x", "Máy lạ", "wia"), config)
    assert caught.value.kind is ScanErrorKind.UNSUPPORTED and "«Máy lạ»" in caught.value.message


def test_registry_never_raises_when_a_backend_breaks(monkeypatch):
    def broken(self):
        raise RuntimeError("driver crashed")

    monkeypatch.setattr(SaneBackend, "available", staticmethod(lambda scanimage="scanimage": True))
    monkeypatch.setattr(SaneBackend, "list_devices", broken)
    assert list_devices(ScannerConfig()) == []
