"""Deploy page export: an existing file is replaced only when the user agrees."""

from __future__ import annotations

from tests.robustness.edge_helpers import imu_descriptor_dict, install_model


def test_export_asks_before_replacing_a_file(qtbot, window, tmp_path):
    install_model(window.ctx.project.path, imu_descriptor_dict())
    out = tmp_path / "out" / "model.tflite"
    out.parent.mkdir()
    out.write_bytes(b"mine")
    asked = []
    window.deploy_page.export("tflite", str(out), ask=lambda paths: asked.append(paths) or False)
    assert asked == [[out]] and out.read_bytes() == b"mine"
    window.deploy_page.export("tflite", str(out), ask=lambda paths: True)
    qtbot.waitUntil(lambda: out.read_bytes()[4:8] == b"TFL3", timeout=20_000)
