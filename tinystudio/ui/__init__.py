"""The Qt user interface: the only package allowed to import PySide6 or pyqtgraph."""
