"""Killing the virtual board while recording: the window says the board is gone, keeps
the recording and offers to reconnect; reconnecting brings live data back."""

from __future__ import annotations

from PySide6.QtCore import Qt


def test_board_killed_while_recording_keeps_the_take(qtbot, window, connect_virtual):
    connect_virtual(window)
    window.show_page("Record")
    page = window.record_page
    page.label_combo.setEditText("wave")
    page.duration.setValue(0)  # manual
    qtbot.mouseClick(page.record_button, Qt.LeftButton)
    assert page.recording
    qtbot.waitUntil(lambda: page.take is not None and page.take.n_samples > 150, timeout=15_000)
    with qtbot.waitSignal(window.board.board_lost, timeout=15_000):
        window.board.kill_virtual_board()
    assert not page.recording
    assert "gone" in page.banner.text and page.banner.button.text() == "Reconnect"
    assert window.board_label.text() == "board: gone"
    qtbot.waitUntil(lambda: page.last_recording is not None, timeout=15_000)
    rec = page.last_recording
    assert rec.n_samples > 150
    assert [s.label for s in rec.segments] == ["wave"]
    assert rec.id in {r.id for r in window.ctx.project.recordings()}
    # the file on disk is complete and readable
    assert rec.read().shape == (rec.n_samples, 6)

    with qtbot.waitSignal(window.board.connected, timeout=30_000):
        page.banner.button.click()
    assert not page.banner.isVisible()
    assert page.record_button.isEnabled()
