"""Byte transports: open a serial port and move bytes, nothing else.

Kept apart from the frame reader (as Serial Studio does) so the session can be tested on
any byte source and so every OS error is turned into one clear :class:`DeviceError`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys

from tinystudio.errors import DeviceError

READ_TIMEOUT_S = 0.05
DEFAULT_BAUD = 115200


def _open_error(port: str, exc: BaseException) -> DeviceError:
    err = getattr(exc, "errno", None)
    text = str(exc)
    if isinstance(exc, FileNotFoundError) or err == errno.ENOENT or "No such file" in text:
        return DeviceError(
            f"serial port {port} does not exist; plug the board in, or run `tinystudio ports` "
            "to list ports (`tinystudio sim` starts a virtual board)"
        )
    if (
        isinstance(exc, PermissionError)
        or err in (errno.EACCES, errno.EPERM)
        or "Permission denied" in text
    ):
        hint = (
            "on Linux add yourself to the dialout group (`sudo usermod -aG dialout $USER`, then log "
            "out and in)"
            if sys.platform.startswith("linux")
            else "check that no other program holds the port and that you may open it"
        )
        return DeviceError(f"no permission to open serial port {port}: {hint}")
    if err == errno.EBUSY or "busy" in text.lower():
        return DeviceError(
            f"serial port {port} is busy: close the serial monitor or other program using it"
        )
    return DeviceError(f"cannot open serial port {port}: {text}")


class SerialTransport:
    """A pyserial port read with ``read(in_waiting or 1)`` and a short timeout.

    The short timeout bounds how long the reader thread takes to notice a stop request or
    an unplugged board; ``in_waiting`` lets one call drain everything the OS has buffered.
    """

    def __init__(
        self, port: str, baud: int = DEFAULT_BAUD, timeout: float = READ_TIMEOUT_S
    ) -> None:
        import serial  # pyserial; imported here so importing the package stays cheap

        self.port = port
        self.baud = baud
        self._serial_exc = serial.SerialException
        if not os.path.exists(port) and not port.startswith(("COM", "socket://", "loop://")):
            raise _open_error(port, FileNotFoundError(port))
        try:
            self._ser = serial.serial_for_url(
                port, baudrate=baud, timeout=timeout, write_timeout=2.0
            )
        except (OSError, serial.SerialException, ValueError) as exc:
            raise _open_error(port, exc) from exc

    def read(self) -> bytes:
        """Bytes available now (waits at most the timeout); raises DeviceError on unplug."""
        try:
            return self._ser.read(self._ser.in_waiting or 1)
        except (OSError, self._serial_exc, TypeError, AttributeError) as exc:
            # pyserial reports a vanished device as "readiness to read but returned no
            # data" (SerialException) or an OSError (EIO/ENXIO); a port closed under us
            # by another thread surfaces as TypeError/AttributeError.
            raise DeviceError(f"board on {self.port} disconnected ({exc})") from exc

    def write(self, data: bytes) -> None:
        try:
            self._ser.write(data)
        except (OSError, self._serial_exc) as exc:
            raise DeviceError(f"cannot write to {self.port}: board disconnected? ({exc})") from exc

    def close(self) -> None:
        with contextlib.suppress(OSError, self._serial_exc):
            self._ser.close()

    @property
    def is_open(self) -> bool:
        return bool(self._ser.is_open)
