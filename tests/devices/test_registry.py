"""Board registry: the shipped profiles, USB-id identification, and the ports command."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tinystudio.devices import registry
from tinystudio.errors import DeviceError

REQUIRED_BOARDS = {
    "nano33ble_rev1",
    "nano33ble_rev2",
    "sparkfun_edge",
    "stm32f746_disco",
    "adafruit_edgebadge",
    "esp32_devkitc",
    "esp_eye",
    "wio_terminal",
    "himax_we_i_plus",
    "spresense",
    "rpi_pico",
}


def test_shipped_profiles_cover_the_tflm_boards_with_sane_sizes():
    profiles = {p.id: p for p in registry.load_profiles()}
    assert set(profiles) >= REQUIRED_BOARDS
    for p in profiles.values():
        assert p.flash_bytes > 0 and p.ram_bytes > 0, p.id
        assert 0 < p.arena_bytes <= max(p.ram_bytes, 8 << 20), p.id
        assert 0 < p.model_slot_bytes <= p.flash_bytes, p.id
        assert p.default_baud >= 9600, p.id
    nano = profiles["nano33ble_rev2"]
    assert nano.flash_bytes == 1 << 20 and nano.ram_bytes == 256 * 1024
    assert any(s.kind == "imu" for s in nano.sensors)


def test_identify_native_usb_boards():
    assert registry.identify(0x2E8A, 0x000A).id == "rpi_pico"
    assert registry.identify(0x2886, 0x802D).id == "wio_terminal"
    assert registry.identify(0x2341, 0x805A).id.startswith("nano33ble")
    assert registry.identify(0x1234, 0x5678) is None
    assert registry.identify(None, None) is None


def test_bridge_ids_are_reported_as_guesses():
    info = registry.port_info("/dev/ttyUSB0", 0x10C4, 0xEA60)
    assert info.ambiguous
    assert {"esp32_devkitc", "esp_eye", "spresense"} <= set(info.candidates)
    nano = registry.port_info("/dev/ttyACM0", 0x2341, 0x805A)
    assert nano.ambiguous and {"nano33ble_rev1", "nano33ble_rev2"} <= set(nano.candidates)
    pico = registry.port_info("/dev/ttyACM1", 0x2E8A, 0x0005)
    assert not pico.ambiguous and pico.board.id == "rpi_pico"
    d = pico.to_dict()
    assert d["vid"] == "2e8a" and d["board"] == "rpi_pico"


def test_profile_lookup_and_unknown_board_message():
    assert registry.profile("esp_eye").name == "ESP-EYE"
    with pytest.raises(DeviceError, match="unknown board 'nope'.*known boards: .*rpi_pico"):
        registry.profile("nope")


def test_extra_profiles_file_extends_and_overrides(tmp_path, monkeypatch):
    extra = tmp_path / "my_boards.json"
    extra.write_text(
        json.dumps(
            {
                "boards": [
                    {
                        "id": "my_board",
                        "name": "My Board",
                        "usb_ids": [["0xCAFE", "0x4001"]],
                        "flash_bytes": 65536,
                        "ram_bytes": 16384,
                        "model_slot_bytes": 32768,
                        "arena_bytes": 8192,
                        "default_baud": 9600,
                    },
                    {
                        "id": "rpi_pico",
                        "name": "Pico (custom)",
                        "usb_ids": [["2e8a", "000a"]],
                        "flash_bytes": 16777216,
                        "ram_bytes": 270336,
                        "model_slot_bytes": 1048576,
                        "arena_bytes": 100000,
                        "default_baud": 115200,
                    },
                ]
            }
        )
    )
    monkeypatch.setenv(registry.ENV_EXTRA, str(extra))
    assert registry.identify(0xCAFE, 0x4001).name == "My Board"
    assert registry.profile("rpi_pico").flash_bytes == 16777216


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON: line 1"),
        ('{"boards": [{"id": "x", "name": "X"}]}', "board 'x' lacks flash_bytes"),
        (
            '{"boards": [{"id": "x", "name": "X", "flash_bytes": -1, "ram_bytes": 1, '
            '"model_slot_bytes": 1, "arena_bytes": 1, "default_baud": 1}]}',
            "flash_bytes must be a non-negative integer",
        ),
        (
            '{"boards": [{"id": "x", "name": "X", "flash_bytes": 1, "ram_bytes": 1, '
            '"model_slot_bytes": 1, "arena_bytes": 1, "default_baud": 1, "usb_ids": [["zz", "1"]]}]}',
            "USB id 'zz' is not hexadecimal",
        ),
        (
            '{"boards": [{"id": "x", "name": "X", "flash_bytes": 1, "ram_bytes": 1, '
            '"model_slot_bytes": 1, "arena_bytes": 1, "default_baud": 1, "tflm_library": "tflm2"}]}',
            "tflm_library 'tflm2' is not one of upstream, chirale, esp32",
        ),
        (
            '{"boards": [{"id": "x", "name": "X", "flash_bytes": 1, "ram_bytes": 1, '
            '"model_slot_bytes": 1, "arena_bytes": 1, "default_baud": 1, "cpu_hz": "64 MHz"}]}',
            "cpu_hz must be a non-negative integer",
        ),
    ],
)
def test_malformed_profile_files_name_the_file_and_problem(tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    with pytest.raises(DeviceError) as err:
        registry.read_profiles_file(bad)
    assert str(bad) in str(err.value) and message in str(err.value)


def test_ports_command_json_and_boards_listing():
    out = subprocess.run(
        [sys.executable, "-m", "tinystudio", "ports", "--json"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    ports = json.loads(out.stdout)
    assert isinstance(ports, list)
    from serial.tools import list_ports

    assert sorted(p["device"] for p in ports) == sorted(p.device for p in list_ports.comports())
    out = subprocess.run(
        [sys.executable, "-m", "tinystudio", "ports", "--boards", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert {b["id"] for b in json.loads(out.stdout)} >= REQUIRED_BOARDS
