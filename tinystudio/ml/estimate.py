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
