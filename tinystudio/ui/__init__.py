"""The Qt user interface: the only package allowed to import PySide6 or pyqtgraph."""

from tinystudio.ui import qt_compat as _qt_compat

_qt_compat.apply()
