"""Play a segment of audio where QtMultimedia is installed; say so where it is not.

PySide6-Essentials ships without QtMultimedia, so playback is optional: the Label page
disables its Play button with a tooltip instead of failing.
"""

from __future__ import annotations

import numpy as np


class AudioPlayer:
    def __init__(self) -> None:
        self.available = False
        self.reason = ""
        try:
            from PySide6 import QtMultimedia  # noqa: F401
        except ImportError:
            self.reason = "audio playback needs QtMultimedia (pip install PySide6-Addons)"
            return
        self.available = True
        self._sink = None
        self._buffer = None

    def play(self, samples: np.ndarray, rate_hz: float) -> None:
        """Play mono physical samples in [-1, 1]."""
        if not self.available:
            raise RuntimeError(self.reason)
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice
        from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices

        fmt = QAudioFormat()
        fmt.setSampleRate(int(rate_hz))
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.Int16)
        pcm = (np.clip(samples.reshape(-1), -1, 1) * 32767).astype("<i2").tobytes()
        self.stop()
        self._buffer = QBuffer()
        self._buffer.setData(QByteArray(pcm))
        self._buffer.open(QIODevice.ReadOnly)
        self._sink = QAudioSink(QMediaDevices.defaultAudioOutput(), fmt)
        self._sink.start(self._buffer)

    def stop(self) -> None:
        if self.available and self._sink is not None:
            self._sink.stop()
            self._sink = None
