"""Play a segment of audio: with QtMultimedia where it is installed, else with the
system's command-line player; say why not where neither is there.

PySide6-Essentials (what the default install brings) ships without QtMultimedia, and
PySide6-Addons is some 200 MB more for one Play button. Every Linux desktop has a
command-line player: PipeWire's ``pw-play``, PulseAudio's ``paplay`` or ALSA's ``aplay``
(``alsa-utils``, which scripts/install.sh installs). The segment is written to a small
temporary WAV file and handed to the first one found, in a child process, so the window
never waits for the sound card.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import wave

import numpy as np

#: Command-line players tried in this order (the sound server's first: it mixes).
PLAYERS = (("pw-play",), ("paplay",), ("aplay", "-q"))


def _find_player() -> list[str] | None:
    for argv in PLAYERS:
        path = shutil.which(argv[0])
        if path:
            return [path, *argv[1:]]
    return None


def _pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(np.asarray(samples, np.float32).reshape(-1), -1, 1) * 32767).astype("<i2").tobytes()


class AudioPlayer:
    def __init__(self) -> None:
        self.available = False
        self.reason = ""
        self.backend = ""
        self._sink = None
        self._buffer = None
        self._proc: subprocess.Popen | None = None
        self._wav: str | None = None
        try:
            from PySide6 import QtMultimedia  # noqa: F401

            self.backend = "QtMultimedia"
        except ImportError:
            self._argv = _find_player()
            if self._argv is None:
                self.reason = ("audio playback needs a command-line player (pw-play, paplay or aplay: "
                               "apt-get install alsa-utils) or QtMultimedia (pip install PySide6-Addons)")
                return
            self.backend = os.path.basename(self._argv[0])
        self.available = True

    def play(self, samples: np.ndarray, rate_hz: float) -> None:
        """Play mono physical samples in [-1, 1]."""
        if not self.available:
            raise RuntimeError(self.reason)
        self.stop()
        if self.backend == "QtMultimedia":
            self._play_qt(_pcm16(samples), rate_hz)
            return
        fd, self._wav = tempfile.mkstemp(prefix="tinystudio-play-", suffix=".wav")
        with os.fdopen(fd, "wb") as fh, wave.open(fh, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(int(round(rate_hz)))
            w.writeframes(_pcm16(samples))
        self._proc = subprocess.Popen([*self._argv, self._wav], stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def _play_qt(self, pcm: bytes, rate_hz: float) -> None:
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice
        from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices

        fmt = QAudioFormat()
        fmt.setSampleRate(int(rate_hz))
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.Int16)
        self._buffer = QBuffer()
        self._buffer.setData(QByteArray(pcm))
        self._buffer.open(QIODevice.ReadOnly)
        self._sink = QAudioSink(QMediaDevices.defaultAudioOutput(), fmt)
        self._sink.start(self._buffer)

    def failure(self) -> str | None:
        """Why the last sound did not play, once its player has ended (None: still playing,
        played, or not known). One line: the player's last message."""
        proc = self._proc
        if proc is None or proc.poll() is None:
            return None
        text = self._reap()
        if proc.returncode == 0:
            return None
        lines = [line for line in text.splitlines() if line.strip()]
        return (f"{self.backend} could not play the segment: {lines[-1] if lines else f'exit code {proc.returncode}'}"
                " (is a sound card or sound server available?)")

    def _reap(self) -> str:
        """Forget the ended player process: its messages, its pipe and its WAV file."""
        proc, self._proc = self._proc, None
        text = ""
        if proc is not None and proc.stderr is not None:
            with contextlib.suppress(OSError, ValueError):
                text = proc.stderr.read()
            proc.stderr.close()
        self._cleanup()
        return text

    def wait(self, timeout: float) -> int | None:
        """The exit code of the last command-line playback (None: still playing or Qt)."""
        if self._proc is None:
            return None
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self._proc.wait(timeout)
        return None

    def stop(self) -> None:
        if self._sink is not None:
            self._sink.stop()
            self._sink = None
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(2)
        if self._proc is None or self._proc.poll() is not None:
            self._reap()

    def _cleanup(self) -> None:
        if self._wav is not None and self._proc is None:
            with contextlib.suppress(OSError):
                os.unlink(self._wav)
            self._wav = None
