"""The host's real session and model uploader against the C core behind a pty.

The driver's ``--serve`` mode is the fake board of board_sim.py on a pseudo-terminal, as
firmware is on its UART: the host opens the port with BoardSession (handshake, reader
thread), reads HELLO, uploads with tinystudio.deploy.upload (go-back-N), asks the status
and runs a RUN_INPUT -- no Python on the board side at all.
"""

from __future__ import annotations

import os
import struct
import subprocess
import tty
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tinystudio.deploy.board_package import BoardPackage
from tinystudio.deploy.upload import model_status, upload_model
from tinystudio.devices import model_messages as mm
from tinystudio.devices.protocol import MsgType, Status
from tinystudio.devices.session import BoardSession

DESC = mm.BoardDescriptor(0, mm.Frontend.RAW, 6, 20, 10, 0.05, -128, 1 / 256, -128,
                          ("idle", "wave", "punch"), (0.01,) * 6, (0.0,) * 6)  # fmt: skip


@pytest.fixture()
def c_board(c_build: Path) -> Iterator[Callable[[int], str]]:
    procs: list[subprocess.Popen] = []
    fds: list[int] = []

    def start(corrupt_every: int = 0) -> str:
        master, slave = os.openpty()
        tty.setraw(slave)
        proc = subprocess.Popen([str(c_build / "driver"), "--serve", str(corrupt_every)],
                                stdin=master, stdout=master, stderr=subprocess.PIPE)  # fmt: skip
        procs.append(proc)
        fds.extend([master, slave])  # keep the slave open: no EIO when the host reconnects
        return os.ttyname(slave)

    yield start
    for proc in procs:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        assert b"AddressSanitizer" not in err and b"runtime error" not in err, err.decode()
    for fd in fds:
        os.close(fd)


@pytest.fixture(scope="module")
def package(tflm_models: Path) -> BoardPackage:
    data = (tflm_models / "audio_preprocessor_float.tflite").read_bytes()
    return BoardPackage(data, DESC, "audio_preprocessor_float")


def _session(port: str) -> BoardSession:
    return BoardSession.open(port, 921600, mode="binary", reconnect=False, hello_timeout=5.0)


def test_host_uploads_to_the_c_core_and_runs_an_input(c_board, package: BoardPackage) -> None:
    session = _session(c_board(0))
    try:
        info = session.info
        assert info.board_id == "host_test" and info.model_slot_bytes == 8192
        assert [s.name for s in info.sensors] == ["imu", "mic", "camera"]
        assert model_status(session).status == Status.NO_MODEL
        result = upload_model(session, package)
        assert result.verified and result.bytes == 7760
        st = model_status(session)
        assert (st.status, st.model_bytes, st.model_crc32) == (Status.OK, 7760, zlib.crc32(package.tflite))
        tensor = bytes(range(120))  # window 20 x 6 channels
        reply = session.request(MsgType.RUN_INPUT, mm.encode_run_input(mm.RunInput(0, 120, tensor)))
        status, latency = struct.unpack_from("<BI", reply.body)
        assert (status, latency) == (Status.OK, 1234)
        assert reply.body[5:] == bytes((sum(tensor) + i) & 0xFF for i in range(3))
    finally:
        session.close()


def test_host_upload_recovers_from_a_noisy_line(c_board, package: BoardPackage) -> None:
    # every 3001st byte the board receives is damaged: chunks fail their CRC, the C slot
    # answers the gap with CRC_MISMATCH and the host goes back
    session = _session(c_board(3001))
    try:
        result = upload_model(session, package)
        assert result.verified and result.resends >= 1
        assert model_status(session).model_crc32 == zlib.crc32(package.tflite)
    finally:
        session.close()
