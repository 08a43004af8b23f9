"""One check shared by the TFLM board tests (QEMU port and host port): a model the board's
arena cannot hold is refused with TFLM's own words, and the board keeps its previous model."""

from __future__ import annotations

import pytest


def assert_refused_keeping_previous(port: str, model: bytes, who: str = "the board") -> str:
    """Upload ``model`` (an IMU model with 600-sample windows) to the board on ``port``;
    assert the refusal and that nothing else changed. Returns the refusal text."""
    from tinystudio.deploy.board_package import BoardPackage
    from tinystudio.deploy.sample_models import imu_descriptor
    from tinystudio.deploy.upload import model_status, upload_model
    from tinystudio.devices.session import BoardSession
    from tinystudio.errors import DeployError

    pkg = BoardPackage(model, imu_descriptor(model, window=600, stride=600), "wide_conv")
    session = BoardSession.open(port, mode="binary", reconnect=False)
    try:
        before = model_status(session)
        with pytest.raises(DeployError) as err:
            upload_model(session, pkg)
        msg = str(err.value)
        # TFLM's own words, carried by LOG frames, then the glue's
        assert "cannot run model 'wide_conv'" in msg and "AllocateTensors failed" in msg, msg
        assert "Failed to resize buffer" in msg or "arena" in msg.lower(), msg
        after = model_status(session)
        assert (after.model_crc32, after.model_bytes) == (before.model_crc32, before.model_bytes)
        assert session.link_stats["framing_errors"] == 0 and session.link_stats["crc_errors"] == 0
        print(f"\n{who} refused the {len(model)}-byte model: {msg}")
    finally:
        session.close()
    return msg
