"""File > Open example: the menu lists the shipped examples and opens a ready project."""

from __future__ import annotations


def test_example_menu_lists_the_examples(window):
    window._fill_example_menu()
    from tinystudio.examples import list_examples

    titles = [a.text() for a in window.example_menu.actions()]
    shipped = [e.title for e in list_examples()]
    assert titles == shipped and len(titles) >= 3 and titles[0].startswith("Gestures")


def test_open_example_creates_and_opens_the_project(qtbot, window, tmp_path):
    (tmp_path / "gestures").mkdir()
    (tmp_path / "gestures" / "mine.txt").write_text("keep")  # taken: a new folder is chosen
    window.open_example("gestures", parent=tmp_path)
    qtbot.waitUntil(lambda: window.ctx.project is not None
                    and window.ctx.project.path == tmp_path / "gestures-2", timeout=30_000)
    assert len(window.ctx.project.recordings()) == 2
    assert (tmp_path / "gestures" / "mine.txt").read_text() == "keep"
