"""What a board would take per inference: an ESTIMATE from counted instructions.

Why: the host's TFLM interpreter times a model on a PC, which says nothing about a 64 MHz
Cortex-M4. The emulated board runs the model as Cortex-M4 machine code under QEMU with
``-icount shift=0`` (tinystudio.boards.icount), which counts the instructions one invoke
executes. A board's time is then instructions x cycles-per-instruction / clock. The CPI is
not measured here -- QEMU models no pipeline, caches or flash wait states -- so each core
gets a documented range (docs/benchmarks.md, "Per-inference estimates"), and every figure
this module produces is labeled an estimate.

The count applies to cores that run the same instruction stream: ARMv7E-M (Cortex-M4F,
Cortex-M7). Other cores (Cortex-M0+, Xtensa, ARC) run different code for the same model;
they get no estimate rather than a wrong one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: Cycles per instruction, (low, high), for TFLM int8 kernels, and why.
#: Cortex-M4(F): 1 cycle for most ALU/MAC/SIMD ops, LDR 2 (1 when pipelined), branches 1+1..3,
#: LDM/STM 1+N (ARM Cortex-M4 TRM, section 3.3); the kernels are load- and branch-heavy,
#: and flash wait states (nRF52840: cached; SAMD51: 5 at 120 MHz without cache hits) add
#: more -- 1.2 to 2.0.
#: Cortex-M7: dual issue and a 6-stage pipeline with caches; 0.7 to 1.3.
CPI_RANGES: dict[str, tuple[float, float]] = {
    "cortex-m4f": (1.2, 2.0),
    "cortex-m4": (1.2, 2.0),
    "cortex-m7": (0.7, 1.3),
}
LABEL = "estimate: QEMU instruction count x a documented CPI range, not a measurement"


@dataclass(frozen=True)
class BoardEstimate:
    board: str
    board_name: str
    core: str
    cpu_hz: int
    instructions: int
    cpi_low: float
    cpi_high: float
    ms_low: float
    ms_high: float
    kernels: str
    label: str = LABEL

    def to_json(self) -> dict:
        return asdict(self)


def estimate_for(profile, instructions: int, kernels: str) -> BoardEstimate | None:
    """The estimate for one board profile (boards.json), or None if its core has no range."""
    cpi = CPI_RANGES.get(getattr(profile, "core", ""))
    hz = getattr(profile, "cpu_hz", 0)
    if cpi is None or not hz or instructions <= 0:
        return None
    lo, hi = cpi
    return BoardEstimate(profile.id, profile.name, profile.core, hz, int(instructions), lo, hi,
                         round(instructions * lo / hz * 1000, 3), round(instructions * hi / hz * 1000, 3),
                         kernels)  # fmt: skip


def estimates(instructions: int, kernels: str, board_ids: list[str] | None = None) -> list[BoardEstimate]:
    """Estimates for every listed board whose core the count applies to."""
    from tinystudio.devices.registry import load_profiles

    out = []
    for prof in load_profiles():
        if board_ids is not None and prof.id not in board_ids:
            continue
        est = estimate_for(prof, instructions, kernels)
        if est is not None:
            out.append(est)
    return out


ESTIMATE_FILE = "mcu_estimate.json"
KERNEL_SETS = ("reference", "cmsis_nn")


def measure_package(package_dir, tflm_dir, board_ids: list[str] | None = None, runs: int = 5) -> dict:
    """Count instructions per invoke of a saved model package on the emulated board (both
    kernel sets), estimate per board, and save it beside the model (the Train page reads
    it). One JSON-ready dict; every time in it is an estimate."""
    import json
    from pathlib import Path

    from tinystudio.boards.icount import count_instructions
    from tinystudio.deploy.board_package import load_model_package

    package_dir = Path(package_dir)
    pkg = load_model_package(package_dir)
    counts = {k: count_instructions(pkg, k, tflm_dir, runs=runs) for k in KERNEL_SETS}
    ref, nn = counts["reference"].instructions, counts["cmsis_nn"].instructions
    out = {
        "label": LABEL,
        "source": "QEMU mps2-an386 (Cortex-M4F) -icount shift=0, TFLM from " + str(tflm_dir),
        "instructions_per_invoke": {k: c.instructions for k, c in counts.items()},
        "resolution_instructions": 1000,
        "arena_used_bytes": {k: c.arena_used_bytes for k, c in counts.items()},
        "reference_over_cmsis_nn": round(ref / nn, 3) if nn else None,
        "boards": [e.to_json() for k in KERNEL_SETS for e in estimates(counts[k].instructions, k, board_ids)],
        "cpi_ranges": {core: list(r) for core, r in CPI_RANGES.items()},
    }
    (package_dir / ESTIMATE_FILE).write_text(json.dumps(out, indent=1), encoding="utf-8")
    return out


def load_saved(package_dir) -> dict | None:
    """The estimate saved beside a model package, or None."""
    import json
    from pathlib import Path

    path = Path(package_dir) / ESTIMATE_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def board_cell(saved: dict | None, board_id: str) -> str:
    """The Train page's board-table text: "~1.4-2.4 ms (est.; CMSIS-NN ~0.5-0.8 ms)"."""
    if not saved:
        return ""
    rows = {(b["board"], b["kernels"]): b for b in saved.get("boards", [])}
    ref, nn = rows.get((board_id, "reference")), rows.get((board_id, "cmsis_nn"))
    if ref is None:
        return "no estimate for this core"
    text = f"~{ref['ms_low']:.2f}-{ref['ms_high']:.2f} ms (estimate"
    if nn is not None:
        text += f"; CMSIS-NN ~{nn['ms_low']:.2f}-{nn['ms_high']:.2f} ms"
    return text + ")"
