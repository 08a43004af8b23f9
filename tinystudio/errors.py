"""The one exception type users see.

Every layer raises :class:`TinyStudioError` (or a subclass) for bad input or unusable
hardware, with a message that names the thing and the fix. The CLI prints it as one line
and exits non-zero; the GUI shows it in the window. Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations


class TinyStudioError(Exception):
    """A problem the user can fix: the message names the thing and what to do."""

    exit_code = 1


class DeviceError(TinyStudioError):
    """A port that cannot be opened, a board that went away or speaks nonsense."""

    exit_code = 3


class DatasetError(TinyStudioError):
    """A malformed file, project or recording."""

    exit_code = 4


class TrainingError(TinyStudioError):
    """A dataset or model configuration that cannot be trained or cannot fit."""

    exit_code = 5


class DeployError(TinyStudioError):
    """An upload that failed or a model that the board refuses."""

    exit_code = 6
