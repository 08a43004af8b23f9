"""``tinystudio sim``: a virtual board on a pty, for trying TinyStudio without hardware.

Prints ``PORT <path>`` as its first line (flushed at once) so scripts and tests can
connect, then runs until SIGINT/SIGTERM and exits 0.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from tinystudio.commands import _numbers as numbers

NAME = "sim"
HELP = "Run a virtual board (IMU, microphone, camera, or a replayed recording) on a pty."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sensors", default="imu,mic,camera", help="comma-separated: imu,mic,camera (default all)")
    parser.add_argument("--imu-rate", type=numbers.positive, default=119.0, metavar="HZ", help="IMU sample rate (default 119)")
    parser.add_argument("--mic-rate", type=numbers.positive, default=16000.0, metavar="HZ", help="microphone rate (default 16000)")
    parser.add_argument("--camera-fps", type=numbers.positive, default=10.0, metavar="FPS", help="camera frames/s (default 10)")
    parser.add_argument("--camera-size", type=numbers.positive_int, default=96, metavar="PX", help="camera width=height, 8..96")
    parser.add_argument("--camera-folder", metavar="DIR",
                        help="the camera shows the images of DIR, one subfolder per class, class after class")
    parser.add_argument("--camera-video", metavar="FILE",
                        help="the camera plays FILE's frames in a loop (GIF, APNG, WebP, multi-page TIFF)")
    parser.add_argument("--camera-class", metavar="NAME",
                        help="with --camera-folder: show only this class (as --gesture repeats one gesture)")
    parser.add_argument(
        "--gesture", choices=("idle", "wave", "circle", "punch"), help="repeat one IMU gesture (default: cycle)"
    )
    parser.add_argument("--replay", metavar="FILE", help="stream a CSV (as the IMU) or WAV (as the mic) in a loop")
    parser.add_argument(
        "--source", metavar="SPEC",
        help="what the IMU performs: example:gestures (the example's real takes), takes:PROJECT "
             "(a project's labeled takes), mouse (pointer positions on --control), builtin (default)",
    )
    parser.add_argument(
        "--control", action="store_true",
        help="read JSON control lines on stdin: source, perform (a class), pointer (docs/virtual-board.md)",
    )
    parser.add_argument("--rate", type=numbers.positive, metavar="HZ",
                        help="rate of a replayed CSV (default: from its time column, else 119)")
    parser.add_argument("--baud", type=numbers.positive_int, metavar="N", help="throttle the link to N/10 bytes/s each way")
    parser.add_argument("--seed", type=numbers.non_negative_int, default=0, help="seed of the synthetic signals' noise")
    parser.add_argument("--board", default="virtual", metavar="ID", help="board profile for HELLO (see `ports --boards`)")
    parser.add_argument(
        "--text",
        nargs="?",
        const="imu_capture",
        choices=("imu_capture", "plotter"),
        help="print CSV text lines instead of frames (IMU_Capture style by default)",
    )
    parser.add_argument("--text-pause", type=numbers.non_negative, default=0.3, metavar="S", help="pause after each text gesture")
    parser.add_argument(
        "--mcu", action="store_true",
        help="run the recorder firmware on an emulated Cortex-M4 (QEMU mps2-an386) instead; "
             "only --imu-rate/--mic-rate apply (docs/emulated-board.md)",
    )
    parser.add_argument("--tflm", metavar="DIR",
                        help="--mcu with real inference: link a TFLM built from this tflite-micro checkout "
                             "(first build takes minutes; docs/emulated-board.md)")
    parser.add_argument("--kernels", choices=("reference", "cmsis_nn"), default="reference",
                        help="--tflm kernel set (cmsis_nn: needs CMSIS-NN in the checkout's downloads)")
    parser.add_argument("--icount", action="store_true",
                        help="--mcu: QEMU counts instructions; the board's latency is then "
                             "instructions / 1000 (docs/benchmarks.md)")


def _config(args: argparse.Namespace):
    from tinystudio.boards.virtual.board import SimConfig
    from tinystudio.errors import DeviceError

    sensors = tuple(s.strip() for s in args.sensors.split(",") if s.strip())
    bad = [s for s in sensors if s not in ("imu", "mic", "camera")]
    if bad or not sensors:
        raise DeviceError(f"--sensors {args.sensors!r}: choose from imu, mic, camera (comma-separated)")
    for name, value in (("--imu-rate", args.imu_rate), ("--mic-rate", args.mic_rate), ("--camera-fps", args.camera_fps)):
        if not 0 < value <= 2_000_000:
            raise DeviceError(f"{name} {value:g} must be between 0 and 2000000")
    if args.rate is not None and not 0 < args.rate <= 2_000_000:
        raise DeviceError(f"--rate {args.rate:g} must be between 0 and 2000000")
    if args.baud is not None and args.baud < 300:
        raise DeviceError(f"--baud {args.baud} is too low; use at least 300")
    if not 8 <= args.camera_size <= 96:
        raise DeviceError(f"--camera-size {args.camera_size} must be 8..96")
    if args.camera_video and args.camera_folder:
        raise DeviceError("give the camera either --camera-folder DIR or --camera-video FILE, not both")
    if args.camera_class and not args.camera_folder:
        raise DeviceError("--camera-class picks a class of --camera-folder DIR; give the folder too")
    if args.rate is not None and not args.replay:
        raise DeviceError("--rate sets the rate of a --replay CSV; for the synthetic IMU use --imu-rate")
    source = parse_source(args.source) if args.source else None
    if source is not None and (args.replay or "imu" not in sensors):
        raise DeviceError("--source sets what the IMU performs; it needs --sensors with imu and no --replay")
    return SimConfig(
        source=source,
        sensors=sensors,
        imu_rate=args.imu_rate,
        mic_rate=args.mic_rate,
        camera_fps=args.camera_fps,
        camera_size=args.camera_size,
        camera_folder=args.camera_folder,
        camera_class=args.camera_class,
        camera_video=args.camera_video,
        gesture=args.gesture,
        replay=args.replay,
        rate=args.rate,
        baud=args.baud,
        seed=args.seed,
        board=args.board,
        text=args.text,
        text_pause=args.text_pause,
    )


def parse_source(text: str) -> dict | None:
    """``example:gestures`` / ``takes:PATH`` / ``mouse`` / ``builtin`` as a source spec."""
    from tinystudio.errors import DeviceError

    kind, _, arg = text.partition(":")
    if kind == "builtin":
        return None
    if kind == "example":
        return {"kind": "example", "name": arg or "gestures"}
    if kind == "takes" and arg:
        return {"kind": "takes", "path": arg}
    if kind == "mouse":
        return {"kind": "mouse"}
    raise DeviceError(f"--source {text!r}: use example:gestures, takes:PROJECT_FOLDER, mouse or builtin")


def _run_mcu(args: argparse.Namespace) -> int:
    """The emulated board: build the firmware if needed, start QEMU, print its pty."""
    from tinystudio.boards.emulated import start_mcu_board
    from tinystudio.errors import DeviceError

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    if args.imu_rate != int(args.imu_rate) or args.mic_rate != int(args.mic_rate):
        raise DeviceError("--mcu: --imu-rate and --mic-rate must be whole numbers of Hz (compiled in)")
    if args.tflm is None and args.kernels != "reference":
        raise DeviceError("--kernels applies to --tflm DIR only")
    board = start_mcu_board(imu_rate=int(args.imu_rate), mic_rate=int(args.mic_rate), tflm_dir=args.tflm,
                            kernels=args.kernels, icount=args.icount)
    try:
        sys.stdout.write(f"PORT {board.port}\n")
        sys.stdout.flush()
        while not stop.wait(0.2):
            if not board.running:
                raise DeviceError(f"qemu-system-arm exited: {' '.join(board.output)[-300:]}")
    finally:
        board.stop()
    return 0


def run(args: argparse.Namespace) -> int:
    from tinystudio.boards.virtual.board import build_board
    from tinystudio.errors import DeviceError

    if (args.tflm or args.icount) and not args.mcu:
        from tinystudio.errors import DeviceError

        raise DeviceError("--tflm and --icount apply to the emulated board: add --mcu")
    if args.mcu:
        return _run_mcu(args)
    from tinystudio.boards.virtual.limits import limit_board_process

    limit_board_process()  # uploaded models are untrusted: this process is their sandbox
    board = build_board(_config(args))
    stop = threading.Event()
    if args.control:
        from tinystudio.boards.virtual.control import ControlChannel

        if not hasattr(board, "streams"):
            raise DeviceError("--control drives the binary virtual board; drop --text")
        ControlChannel(board, sys.stdin).start()

    def _stop(signum, frame):  # noqa: ARG001 - signal handler signature
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    sys.stdout.write(f"PORT {board.port}\n")
    sys.stdout.flush()
    try:
        board.run(stop)
    finally:
        board.stop()
        link = board.link
        print(
            f"tinystudio sim: sent {link.bytes_out} bytes, received {link.bytes_in}; "
            f"{link.dropped_frames} frames dropped (TX queue full: the host read too slowly"
            f"{' for the baud rate' if link.baud else ''})",
            file=sys.stderr,
        )
    return 0
