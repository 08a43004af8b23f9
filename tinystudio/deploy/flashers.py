"""External flashers for boards without the TinyStudio recorder firmware.

Such a board cannot take a model over the serial protocol; the model has to be compiled
into firmware. TinyStudio writes an Arduino library + example sketch for the model
package and runs the maker's own tools: ``arduino-cli compile`` / ``upload``, or, for
ESP32 boards, ``esptool write_flash`` of the built image. A tool that is not installed
is named in the error, with where to get it; nothing is pretended.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tinystudio.errors import DeployError

TOOLS = {
    "arduino-cli": ("TINYSTUDIO_ARDUINO_CLI", ["arduino-cli"],
                    "install it from https://arduino.github.io/arduino-cli/"),
    "esptool": ("TINYSTUDIO_ESPTOOL", ["esptool", "esptool.py"], "install it with `pip install esptool`"),
}  # fmt: skip
ESP32_APP_OFFSET = "0x10000"
DEFAULT_ESP32_FQBN = "esp32:esp32:esp32"


@dataclass
class FlashPlan:
    tool: str
    commands: list[list[str]]
    workdir: Path
    missing: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [shlex.join(c) for c in self.commands]


def find_tool(name: str) -> str | None:
    """Path of an installed tool (an environment variable may point at it), else None."""
    env, names, _ = TOOLS[name]
    override = os.environ.get(env)
    if override:
        return override if Path(override).exists() or shutil.which(override) else None
    for n in names:
        found = shutil.which(n)
        if found:
            return found
    return None


def missing_tool_error(name: str, purpose: str) -> DeployError:
    env, _, hint = TOOLS[name]
    return DeployError(
        f"{name} is not installed (not found on PATH, nor set in ${env}); it is needed to {purpose}: "
        f"{hint}, or flash over the cable with `tinystudio flash --tool serial` on a board running the "
        "TinyStudio recorder firmware"
    )


def write_sketch(package, workdir: Path, name: str = "model") -> tuple[Path, Path]:
    """Arduino library + a sketch folder using it; returns ``(library_dir, sketch_dir)``.

    The descriptor is validated before anything is generated (a tampered one is refused,
    never compiled). ``workdir`` is flash's own build folder, so its generated files are
    replaced (``force``), but only inside it and nothing else there is touched."""
    from tinystudio.dataset.outputs import OutputPlan
    from tinystudio.errors import TrainingError
    from tinystudio.ml.export import c_identifier, write_arduino_library

    try:
        package.descriptor.validate()
        lib = "TinyStudio_" + c_identifier(name)
        lib_dir = write_arduino_library(package, workdir / "libraries" / lib, lib, force=True)
    except TrainingError as exc:
        raise DeployError(str(exc)) from None
    sketch_dir = workdir / f"{lib}_sketch"
    example = lib_dir / "examples" / f"{lib}_inference" / f"{lib}_inference.ino"
    plan = OutputPlan(sketch_dir, DeployError)
    plan.add_text(f"{sketch_dir.name}.ino", example.read_text(encoding="utf-8"))
    plan.write(force=True)
    return lib_dir, sketch_dir


def arduino_plan(package, port: str, fqbn: str, workdir: Path, name: str = "model") -> FlashPlan:
    if not fqbn:
        raise DeployError("arduino-cli needs the board's FQBN (--fqbn, e.g. arduino:mbed_nano:nano33ble)")
    lib_dir, sketch_dir = write_sketch(package, workdir, name)
    cli = find_tool("arduino-cli")
    out_dir = workdir / "build"
    exe = cli or "arduino-cli"
    commands = [
        [exe, "compile", "--fqbn", fqbn, "--library", str(lib_dir), "--output-dir", str(out_dir), str(sketch_dir)],
        [exe, "upload", "--fqbn", fqbn, "--port", port, "--input-dir", str(out_dir), str(sketch_dir)],
    ]
    return FlashPlan("arduino-cli", commands, workdir, [] if cli else ["arduino-cli"])


def esptool_plan(package, port: str, workdir: Path, chip: str = "esp32", fqbn: str | None = None,
                 firmware: str | None = None, baud: int = 921600, name: str = "model") -> FlashPlan:
    """Build with arduino-cli (unless ``firmware`` is given), write with esptool."""
    commands: list[list[str]] = []
    missing: list[str] = []
    if firmware is None:
        build = arduino_plan(package, port, fqbn or DEFAULT_ESP32_FQBN, workdir, name)
        commands.append(build.commands[0])
        missing += build.missing
        sketch = Path(build.commands[0][-1]).name
        firmware = str(workdir / "build" / f"{sketch}.ino.bin")
    esptool = find_tool("esptool")
    if not esptool:
        missing.append("esptool")
    commands.append([esptool or "esptool", "--chip", chip, "--port", port, "--baud", str(baud),
                     "write_flash", ESP32_APP_OFFSET, firmware])
    return FlashPlan("esptool", commands, workdir, missing)


def run_plan(plan: FlashPlan, timeout: float = 600.0) -> None:
    """Run every command; the first missing tool or failing command raises DeployError."""
    purposes = {"arduino-cli": "compile and upload the model sketch", "esptool": "write the ESP32 image"}
    for tool in plan.missing:
        raise missing_tool_error(tool, purposes[tool])
    for cmd in plan.commands:
        try:
            proc = subprocess.run(cmd, cwd=plan.workdir, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DeployError(f"{shlex.join(cmd[:2])} failed to run ({exc})") from None
        if proc.returncode != 0:
            tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
            raise DeployError(f"`{shlex.join(cmd)}` failed with exit code {proc.returncode}: {tail}")


def flash_external(target: str, tool: str, port: str, fqbn: str | None = None, chip: str = "esp32",
                   firmware: str | None = None, dry_run: bool = False, workdir: str | None = None) -> dict:
    """Build firmware around the model of ``target`` and flash it with ``tool``."""
    import tempfile

    from tinystudio.deploy.board_package import load_model_package

    package = load_model_package(target)
    name = Path(target).resolve().name
    work = Path(workdir or tempfile.mkdtemp(prefix="tinystudio-flash-"))
    if tool == "arduino-cli":
        plan = arduino_plan(package, port, fqbn or "", work, name)
    elif tool == "esptool":
        plan = esptool_plan(package, port, work, chip, fqbn, firmware, name=name)
    else:
        raise DeployError(f"unknown flasher {tool!r}; use arduino-cli or esptool")
    if not dry_run:
        try:
            run_plan(plan)
        except DeployError:
            if workdir is None and plan.missing:
                shutil.rmtree(work, ignore_errors=True)  # nothing ran: leave no temp folder
            raise
    return {"tool": tool, "commands": plan.lines(), "ran": not dry_run, "missing": plan.missing,
            "workdir": str(work)}
