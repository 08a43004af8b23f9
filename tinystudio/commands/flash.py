"""`tinystudio flash`: send a trained model to the board over the serial cable, no recompile.

With ``--tool arduino-cli`` or ``--tool esptool`` it instead builds firmware around the
model and runs that external tool (for boards without the TinyStudio recorder firmware).
"""

from __future__ import annotations

import json
import sys

NAME = "flash"
HELP = "Upload a trained model (project folder or model package) to a board's model slot."


def add_arguments(parser) -> None:
    from tinystudio.deploy.cli_util import add_port_arguments

    parser.add_argument("target", metavar="PROJECT_OR_MODEL",
                        help="project folder (its current model) or model package folder / model.tflite")
    add_port_arguments(parser)
    parser.add_argument("--tool", choices=["serial", "arduino-cli", "esptool"], default="serial",
                        help="serial: upload over the TinyStudio protocol (default); arduino-cli / "
                             "esptool: build and flash firmware with that tool")
    parser.add_argument("--fqbn", default=None, help="arduino-cli board name, e.g. arduino:mbed_nano:nano33ble")
    parser.add_argument("--chip", default="esp32", help="esptool chip (esp32, esp32s3, ...)")
    parser.add_argument("--firmware", default=None, help="esptool: the firmware image (.bin) to write")
    parser.add_argument("--dry-run", action="store_true",
                        help="external tools: print the command lines instead of running them")


def run(args) -> int:
    if args.tool != "serial":
        from tinystudio.deploy.flashers import flash_external

        result = flash_external(args.target, args.tool, args.port, fqbn=args.fqbn, chip=args.chip,
                                firmware=args.firmware, dry_run=args.dry_run)
        if args.json:
            print(json.dumps(result))
        else:
            for line in result["commands"]:
                print(("would run: " if args.dry_run else "ran: ") + line)
        return 0

    from tinystudio.deploy.board_package import load_model_package, to_board_package
    from tinystudio.deploy.cli_util import ProgressBar, open_board
    from tinystudio.deploy.upload import check_fits, upload_model

    package = load_model_package(args.target)
    session = open_board(args)
    try:
        board_pkg = to_board_package(package, session.info)
        check_fits(board_pkg, session.info.model_slot_bytes, f"{session.info.board_name} on {args.port}")
        bar = ProgressBar("flash", enabled=not args.json or sys.stderr.isatty())
        result = upload_model(session, board_pkg, progress=bar)
    finally:
        session.close()
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(f"flashed {result.bytes:,} bytes in {result.seconds:.2f} s "
              f"({result.throughput_bytes_per_s / 1024:.1f} KB/s, link efficiency "
              f"{result.link_efficiency * 100:.0f}%); the board verified the CRC-32 and runs the model "
              f"({', '.join(board_pkg.labels)})")
    return 0
