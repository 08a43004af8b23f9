"""File dialogs start in the projects folder, and New project can name a folder that does
not exist yet (a directory chooser refused new names with "Directory not found")."""

from __future__ import annotations


def test_dialogs_start_in_the_projects_folder_and_new_project_creates_its_folder(qtbot, window, tmp_path,
                                                                                 monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    projects = tmp_path / "projects"
    monkeypatch.setenv("TINYSTUDIO_PROJECTS_DIR", str(projects))
    seen = {}

    def save_name(parent, title, start, filt="", selected="", options=None):
        seen["new"] = start
        return str(projects / "my-first-model"), ""

    def existing(parent, title, start=""):
        seen.setdefault("dirs", []).append(start)
        return ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(existing))
    from tinystudio.ui.new_project_dialog import NewProjectDialog

    # the New project dialog (folder + task): its Browse button names the folder, then Create
    monkeypatch.setattr(NewProjectDialog, "exec", lambda self: (self._browse(), 1)[1])
    window.new_project_dialog()
    assert seen["new"].startswith(str(projects))
    qtbot.waitUntil(lambda: window.ctx.project is not None and window.ctx.project.path.name == "my-first-model",
                    timeout=10_000)
    assert (projects / "my-first-model" / "project.json").exists()
    window.open_project_dialog()
    window.open_example("gestures")
    assert seen["dirs"] == [str(projects), str(projects)]
