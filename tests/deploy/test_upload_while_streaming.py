"""A window keeps one session open: uploading pauses the board's streams, then restarts them."""

from __future__ import annotations

import time

from tinystudio.deploy.upload import upload_with_streams_paused
from tinystudio.devices.session import BoardSession


def test_upload_pauses_streaming_and_restarts_it(start_sim, imu_package):
    sim = start_sim("--sensors", "imu,mic", "--baud", "115200")
    with BoardSession.open(sim.port, 115200) as session:
        session.start()
        time.sleep(0.5)
        assert session.streaming == {0, 1}
        steps = []
        result = upload_with_streams_paused(session, imu_package, progress=lambda d, t: steps.append(d))
        assert result.verified and steps
        # Beside the 16 kHz stream the link is already full; paused, the upload gets it.
        assert result.link_efficiency >= 0.8, result
        assert session.streaming == {0, 1}
        before = session.stats("imu").samples
        time.sleep(1.0)
        assert session.stats("imu").samples > before  # streaming resumed after the upload
