"""Audio playback in the default install (issue 21): without QtMultimedia the Label page
plays a segment through the system's command-line player (ALSA's aplay here), and says
so in one line when the player cannot open a sound device."""

from __future__ import annotations

import shutil

import pytest

from tinystudio.dataset.importers import import_paths
from tinystudio.ui.widgets import audio_player


def _qt_multimedia() -> bool:
    try:
        from PySide6 import QtMultimedia  # noqa: F401
    except ImportError:
        return False
    return True


pytestmark = [
    pytest.mark.skipif(_qt_multimedia(), reason="QtMultimedia is installed: the Qt backend plays instead"),
    pytest.mark.skipif(shutil.which("aplay") is None,
                       reason="aplay is missing: apt-get install alsa-utils (scripts/install.sh does)"),
]


def _label_page_on_a_word(qtbot, window, tmp_path, micro_speech_dir):
    folder = tmp_path / "words"
    import_paths(folder, [micro_speech_dir / "yes_1000ms.wav"], label="yes")
    with qtbot.waitSignal(window.ctx.project_changed, timeout=10_000):
        window.open_project(folder)
    page = window.label_page
    window.show_page("Label")
    rec = window.ctx.project.recordings()[0]
    page.select_recording(rec.id)
    qtbot.waitUntil(lambda: page.current is not None and page.data is not None, timeout=10_000)
    page.timeline.select(rec.segments[0].id)
    return page


@pytest.fixture
def alsa_default(tmp_path, monkeypatch):
    """ALSA's default device for aplay, set in a private ~/.asoundrc (aplay reads $HOME)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(audio_player, "PLAYERS", (("aplay", "-q"),))  # whatever else is installed
    return lambda text: (home / ".asoundrc").write_text(text)


def test_play_button_plays_a_segment_with_aplay(qtbot, window, tmp_path, micro_speech_dir, alsa_default):
    alsa_default("pcm.!default { type null }\n")  # ALSA's null device: a sound card that discards
    page = _label_page_on_a_word(qtbot, window, tmp_path, micro_speech_dir)
    # the default install (no QtMultimedia) can play: the button is on
    assert page.player.available and page.buttons["play"].isEnabled(), page.player.reason
    page.player = audio_player.AudioPlayer()  # aplay, even where pw-play or paplay are installed
    assert page.player.backend == "aplay"
    page.buttons["play"].click()
    assert page.player.wait(10) == 0  # aplay opened the device and played the whole segment
    qtbot.wait(1200)
    assert window.error_strip.text == ""


def test_play_without_a_sound_device_says_why(qtbot, window, tmp_path, micro_speech_dir, alsa_default):
    alsa_default("pcm.!default { type hw card 97 }\n")  # a card no machine has
    page = _label_page_on_a_word(qtbot, window, tmp_path, micro_speech_dir)
    page.player = audio_player.AudioPlayer()
    page.buttons["play"].click()
    assert page.player.wait(10) not in (0, None)
    qtbot.waitUntil(lambda: "could not play the segment" in window.error_strip.text, timeout=5_000)
    assert "aplay" in window.error_strip.text and "\n" not in window.error_strip.text
