"""Issue 21's acceptance: the virtual board performs what the user records.

On the virtual board with the example takes as its source, record two takes each of
punch and flex from the Record page (no path typed anywhere), auto-segment, split, train,
flash; then the board performs punch, then flex (chosen on the Deploy page), and the
Deploy page's label follows each for at least 80 % of the predictions. Switching the
board's source on the way keeps the flashed model.

The share is measured over 30 predictions, about one full round of the ten example takes
the board plays for a class, not over whichever few takes come up first: the example's
first flex take (Arduino's public tutorial data) was held in another orientation (aZ
+0.9 g where the other nine read -0.6 g) and reads as punch to any model (its three
nearest neighbours on per-channel statistics are punches), so a short sample that
happens to hold it says more about the sample than about the studio. The split is the
window's default, as a new user would leave it; 40 epochs (half the automatic 80) keep
the test short.
"""

from __future__ import annotations

import pytest
from ui_helpers import record_take

from tinystudio.ui import split_plan
from tinystudio.ui.board_model import Holds
from tinystudio.ui.split_plan import SplitChoice
from tinystudio.ui.virtual_performer import SourceKind

pytestmark = pytest.mark.slow


def _labels_while(qtbot, deploy, label: str, n: int = 30) -> list[str]:
    """Choose ``label`` in Deploy's "Board performs" box; the next ``n`` predictions'
    labels, after the windows still holding the previous performance have passed."""
    box = deploy.perform_box
    box.what.setCurrentIndex(box.what.findData(label))
    box.what.activated.emit(box.what.currentIndex())
    start = deploy.listener.total + 3  # windows cut before the switch
    qtbot.waitUntil(lambda: deploy.listener.total >= start + n, timeout=60_000)
    got = [r.label for r in deploy.listener.latest(deploy.listener.total - start)][-n:]
    return got


def test_board_performs_what_is_recorded(qtbot, window, connect_virtual):
    deploy, train = window.deploy_page, window.train_page
    connect_virtual(window, sensors=("imu",))
    performer = window.ctx.performer
    record = window.record_page
    window.show_page("Record")
    assert performer.available and record.perform_box.isVisible()
    record.perform_box.source.setCurrentIndex(record.perform_box.source.findData(SourceKind.EXAMPLE))
    assert performer.kind == SourceKind.EXAMPLE
    for label in ("punch", "flex", "punch", "flex"):
        rec = record_take(qtbot, window, label, 6.0)
        assert performer.performing == label
        assert [s.label for s in rec.segments] == [label]

    window.show_page("Label")
    with qtbot.waitSignal(window.label_page.auto_done, timeout=20_000):
        window.label_page.buttons["auto_all"].click()
    project = window.ctx.project
    per_class = split_plan.labeled_classes(project)
    # each 6 s take holds about four performed gestures
    assert per_class["punch"] >= 6 and per_class["flex"] >= 6, per_class

    split_plan.apply(project, SplitChoice())
    window.ctx.recordings_changed.emit()
    window.show_page("Train")
    train.model_combo.setCurrentIndex(train.model_combo.findData("imu_cnn"))
    train.epochs.setValue(40)
    reports = []
    train.trained.connect(reports.append)
    train.start_button.click()
    assert train.running
    qtbot.waitUntil(lambda: not train.running, timeout=480_000)  # generous: the CI machine may be shared
    assert reports, train.status.text()
    assert set(reports[0].classes) == {"punch", "flex"}

    window.show_page("Deploy")
    qtbot.waitUntil(lambda: deploy.package is not None, timeout=20_000)
    qtbot.waitUntil(lambda: deploy.flash_button.isEnabled(), timeout=20_000)
    with qtbot.waitSignal(deploy.flashed, timeout=60_000) as flashed:
        deploy.flash_button.click()
    assert flashed.args[0].verified
    qtbot.waitUntil(lambda: deploy.board_model.holds == Holds.THIS, timeout=10_000)
    assert deploy.perform_box.isVisible()

    # switching the source does not restart the board: it keeps the model
    board_process = window.board.virtual
    deploy.perform_box.source.setCurrentIndex(deploy.perform_box.source.findData(SourceKind.BUILTIN))
    deploy.perform_box.source.setCurrentIndex(deploy.perform_box.source.findData(SourceKind.EXAMPLE))
    assert window.board.virtual is board_process and board_process.alive
    deploy.check_board_model()
    qtbot.waitUntil(lambda: deploy.board_model.holds == Holds.THIS, timeout=10_000)

    for label in ("punch", "flex"):
        got = _labels_while(qtbot, deploy, label)
        share = got.count(label) / len(got)
        assert share >= 0.8, (label, got)
        assert deploy.big.text in ("punch", "flex", "uncertain")
