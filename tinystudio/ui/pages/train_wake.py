"""The Train page's wake-word panel: the saved trade-off of a keyword model, and a new
measurement on a worker (the same evaluation as `tinystudio evaluate P --continuous`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tinystudio.ui.widgets.wake_tradeoff import WakeTradeoff
from tinystudio.ui.workers import start_worker


def measure_continuous(project_path, *, progress, stop):
    """Worker: the continuous evaluation `tinystudio evaluate P --continuous` runs (same
    stream, same defaults), saved with the model; (package folder, its trade-off)."""
    from tinystudio.deploy.continuous import evaluate_stream, load_tradeoff, save_threshold
    from tinystudio.deploy.kws_stream import build_stream
    from tinystudio.ml.package import ModelPackage
    from tinystudio.ml.store import current_package_dir

    folder = current_package_dir(project_path)
    report = evaluate_stream(ModelPackage.load(folder), build_stream(project_path, seed=0, repeats=3))
    save_threshold(project_path, report)
    return folder, load_tradeoff(folder)


class WakeTradeoffPanel(WakeTradeoff):
    """Shown for keyword models only; ``busy()`` says when training owns the project."""

    def __init__(self, ctx, busy: Callable[[], bool], parent=None) -> None:
        super().__init__(parent)
        self.ctx, self._busy = ctx, busy
        self.worker = None
        self.hide()
        self.measure_requested.connect(self.measure)

    def show_for(self, report) -> None:
        """For a keyword model, the trade-off its last continuous evaluation measured."""
        from tinystudio.deploy.continuous import load_tradeoff
        from tinystudio.errors import TinyStudioError
        from tinystudio.ml.models import MODELS
        from tinystudio.ml.store import current_package_dir

        spec = MODELS.get(report.model_name)
        keyword = spec is not None and spec.sensor_kind == "microphone"
        self.setVisible(keyword)
        if not keyword:
            return
        project = self.ctx.project
        try:  # the project's own models/ (a report's model_path may name where it was trained)
            self.show_tradeoff(None if project is None else load_tradeoff(current_package_dir(project.path)))
        except TinyStudioError as exc:
            self.show_tradeoff(None)
            self.summary.setText(str(exc))

    def measure(self) -> None:
        project = self.ctx.project
        if project is None or self._busy():
            return
        self.set_busy(True, "Measuring on continuous audio: the test split's keywords between "
                            "background clips, run as the board runs them …")
        self.worker = start_worker(measure_continuous, project.path, on_result=self._measured,
                                   on_error=self._failed, on_finished=lambda: self.set_busy(False))

    def _measured(self, result) -> None:
        folder, tradeoff = result
        self.show_tradeoff(tradeoff)
        self.ctx.model_changed.emit(str(Path(folder) / "model.tflite"))  # Deploy reads the new threshold
        self.ctx.status.emit(f"threshold {tradeoff.chosen.threshold:.2f} saved with the model")

    def _failed(self, exc) -> None:
        self.summary.setText(f"Continuous evaluation failed: {exc}")
