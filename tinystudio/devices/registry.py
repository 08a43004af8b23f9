"""Board registry: what a plugged-in board is, from its USB ids, and what it can hold.

Profiles live in ``resources/boards.json`` (data, not code) so adding a board is an edit
to one JSON file; users can add or override boards without touching the install by
pointing ``TINYSTUDIO_BOARDS`` at extra JSON files of the same shape (``os.pathsep``
separated; later files win on the same ``id``).

USB ids identify a board only when it has native USB (Arduino Nano 33 BLE, Pico, Wio
Terminal). Boards behind a generic USB-serial bridge (CP2102, CH340, FTDI, ST-LINK)
share ids with thousands of other boards; such matches are reported as guesses
(``PortInfo.ambiguous``) and the board's HELLO message decides.

The ML side reads ``flash_bytes``, ``ram_bytes``, ``model_slot_bytes`` and
``arena_bytes`` for model-fit checks: keep these field names stable.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from tinystudio.errors import DeviceError

ENV_EXTRA = "TINYSTUDIO_BOARDS"


@dataclass(frozen=True)
class BoardSensor:
    kind: str  # "imu", "microphone", "camera", "generic"
    part: str
    rate_hz: float = 0.0
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class BoardProfile:
    id: str
    name: str
    usb_ids: tuple[tuple[str, str], ...]
    flash_bytes: int
    ram_bytes: int
    model_slot_bytes: int
    arena_bytes: int
    default_baud: int
    sensors: tuple[BoardSensor, ...] = ()
    mcu: str = ""
    notes: str = ""
    #: Name of the generic USB-serial chip the ids belong to, or None for native USB.
    usb_bridge: str | None = None
    #: CPU core (e.g. "cortex-m4f") and clock: the per-inference estimate (ml/estimate.py).
    core: str = ""
    cpu_hz: int = 0
    #: The TFLM library the board's sketch is built with (ts_tflm_ops.h ids): its op table.
    tflm_library: str = "upstream"

    def matches(self, vid: int, pid: int) -> bool:
        return (f"{vid:04x}", f"{pid:04x}") in self.usb_ids

    def to_dict(self) -> dict:
        d = asdict(self)
        d["usb_ids"] = [list(p) for p in self.usb_ids]
        d["sensors"] = [dict(asdict(s), channels=list(s.channels)) for s in self.sensors]
        return d


@dataclass(frozen=True)
class PortInfo:
    """A serial port as pyserial sees it, plus the board profile its USB ids suggest."""

    device: str
    description: str = ""
    hwid: str = ""
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    manufacturer: str | None = None
    product: str | None = None
    board: BoardProfile | None = None
    #: Ids of every profile sharing these USB ids (more than one: the match is a guess).
    candidates: tuple[str, ...] = ()
    #: True when the ids belong to a generic bridge or several profiles share them.
    ambiguous: bool = False

    def to_dict(self) -> dict:
        return {
            "device": self.device,
            "description": self.description,
            "hwid": self.hwid,
            "vid": f"{self.vid:04x}" if self.vid is not None else None,
            "pid": f"{self.pid:04x}" if self.pid is not None else None,
            "serial_number": self.serial_number,
            "manufacturer": self.manufacturer,
            "product": self.product,
            "board": self.board.id if self.board else None,
            "board_name": self.board.name if self.board else None,
            "candidates": list(self.candidates),
            "ambiguous": self.ambiguous,
        }


#: Library ids of firmware_recorders/tflm_glue/src/ts_tflm_ops.h.
TFLM_LIBRARIES = ("upstream", "chirale", "esp32")
_REQUIRED = ("id", "name", "flash_bytes", "ram_bytes", "model_slot_bytes", "arena_bytes", "default_baud")


def _hex4(value: object, where: str) -> str:
    text = str(value).lower().removeprefix("0x")
    try:
        n = int(text, 16)
    except ValueError:
        raise DeviceError(f"{where}: USB id {value!r} is not hexadecimal (write e.g. \"2341\")") from None
    if not 0 <= n <= 0xFFFF:
        raise DeviceError(f"{where}: USB id {value!r} is out of range 0000..ffff")
    return f"{n:04x}"


def _parse_profile(entry: object, where: str) -> BoardProfile:
    if not isinstance(entry, dict):
        raise DeviceError(f"{where}: each board must be a JSON object")
    missing = [k for k in _REQUIRED if k not in entry]
    if missing:
        raise DeviceError(f"{where}: board {entry.get('id', '?')!r} lacks {', '.join(missing)}")
    where = f"{where} (board {entry['id']!r})"
    ints = {}
    for key in ("flash_bytes", "ram_bytes", "model_slot_bytes", "arena_bytes", "default_baud"):
        value = entry[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise DeviceError(f"{where}: {key} must be a non-negative integer, got {value!r}")
        ints[key] = value
    usb = []
    for pair in entry.get("usb_ids", []):
        if not (isinstance(pair, list | tuple) and len(pair) == 2):
            raise DeviceError(f"{where}: usb_ids entries must be [\"VID\", \"PID\"] pairs, got {pair!r}")
        usb.append((_hex4(pair[0], where), _hex4(pair[1], where)))
    sensors = []
    for s in entry.get("sensors", []):
        if not isinstance(s, dict) or "kind" not in s:
            raise DeviceError(f"{where}: each sensor needs at least a \"kind\"")
        sensors.append(
            BoardSensor(
                kind=str(s["kind"]),
                part=str(s.get("part", "")),
                rate_hz=float(s.get("rate_hz", 0.0)),
                channels=tuple(str(c) for c in s.get("channels", [])),
            )
        )
    cpu_hz = entry.get("cpu_hz", 0)
    if not isinstance(cpu_hz, int) or isinstance(cpu_hz, bool) or cpu_hz < 0:
        raise DeviceError(f"{where}: cpu_hz must be a non-negative integer (Hz), got {cpu_hz!r}")
    library = entry.get("tflm_library", "upstream")
    if library not in TFLM_LIBRARIES:
        raise DeviceError(f"{where}: tflm_library {library!r} is not one of {', '.join(TFLM_LIBRARIES)}")
    return BoardProfile(
        id=str(entry["id"]),
        core=str(entry.get("core", "")),
        cpu_hz=cpu_hz,
        tflm_library=library,
        name=str(entry["name"]),
        usb_ids=tuple(usb),
        sensors=tuple(sensors),
        mcu=str(entry.get("mcu", "")),
        notes=str(entry.get("notes", "")),
        usb_bridge=entry.get("usb_bridge") or None,
        **ints,
    )


def read_profiles_file(path: Path) -> list[BoardProfile]:
    """Parse one boards.json file; a malformed file raises a DeviceError naming it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeviceError(f"board profile file {path} does not exist; fix ${ENV_EXTRA}") from None
    except json.JSONDecodeError as exc:
        raise DeviceError(f"board profile file {path} is not valid JSON: line {exc.lineno}: {exc.msg}") from None
    boards = data.get("boards") if isinstance(data, dict) else data
    if not isinstance(boards, list):
        raise DeviceError(f"board profile file {path}: expected {{\"boards\": [...]}} or a JSON list")
    return [_parse_profile(e, f"{path}: boards[{i}]") for i, e in enumerate(boards)]


def _default_files() -> list[Path]:
    from tinystudio.resources import resource_path

    files = [resource_path("boards.json")]
    extra = os.environ.get(ENV_EXTRA, "")
    files += [Path(p) for p in extra.split(os.pathsep) if p]
    return files


@lru_cache(maxsize=8)
def _load(files: tuple[Path, ...]) -> tuple[BoardProfile, ...]:
    by_id: dict[str, BoardProfile] = {}
    for f in files:
        for p in read_profiles_file(f):
            by_id.pop(p.id, None)  # a later file's board replaces (and moves to the end)
            by_id[p.id] = p
    return tuple(by_id.values())


def load_profiles(files: list[Path] | None = None) -> list[BoardProfile]:
    """All board profiles: the shipped ones, then those of ``$TINYSTUDIO_BOARDS``."""
    return list(_load(tuple(files) if files is not None else tuple(_default_files())))


def profile(board_id: str) -> BoardProfile:
    for p in load_profiles():
        if p.id == board_id:
            return p
    known = ", ".join(p.id for p in load_profiles())
    raise DeviceError(f"unknown board {board_id!r}; known boards: {known} (add one in resources/boards.json)")


def identify_all(vid: int, pid: int) -> list[BoardProfile]:
    """Every profile listing these USB ids, native-USB boards first."""
    found = [p for p in load_profiles() if p.matches(vid, pid)]
    return sorted(found, key=lambda p: p.usb_bridge is not None)


def identify(vid: int | None, pid: int | None) -> BoardProfile | None:
    """The most likely profile for these USB ids, or None. See ``identify_all`` for guesses."""
    if vid is None or pid is None:
        return None
    found = identify_all(vid, pid)
    return found[0] if found else None


def port_info(device: str, vid: int | None = None, pid: int | None = None, **extra: object) -> PortInfo:
    found = identify_all(vid, pid) if vid is not None and pid is not None else []
    board = found[0] if found else None
    ambiguous = len(found) > 1 or (board is not None and board.usb_bridge is not None)
    return PortInfo(
        device=device,
        vid=vid,
        pid=pid,
        board=board,
        candidates=tuple(p.id for p in found),
        ambiguous=ambiguous,
        **extra,  # type: ignore[arg-type]
    )


def list_ports() -> list[PortInfo]:
    """Serial ports pyserial finds (USB ones first), each with its guessed board.

    The ptys of running virtual boards are not system serial ports and are not listed;
    ``tinystudio sim`` prints its own port.
    """
    from serial.tools import list_ports as lp  # pyserial, imported lazily

    out = []
    for p in lp.comports():
        out.append(
            port_info(
                p.device,
                p.vid,
                p.pid,
                description=p.description or "",
                hwid=p.hwid or "",
                serial_number=p.serial_number,
                manufacturer=p.manufacturer,
                product=p.product,
            )
        )
    return sorted(out, key=lambda p: (p.vid is None, p.device))


__all__ = [
    "BoardProfile",
    "BoardSensor",
    "PortInfo",
    "identify",
    "identify_all",
    "list_ports",
    "load_profiles",
    "port_info",
    "profile",
    "read_profiles_file",
]
