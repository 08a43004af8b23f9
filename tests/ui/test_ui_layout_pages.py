"""Layout that holds: at 1024x700 and 1600x1000, light and dark, every visible label,
button and check box on every page shows its whole text, and no table cell is elided.

Measured, not eyeballed: for each widget the text's QFontMetrics.horizontalAdvance is
compared with the room the style gives it (a button's or check box's contents rectangle,
a label's contents rectangle; a word-wrapped label needs every word to fit and the height
for its width). The window is in a realistic state: a project with the punch and flex
reference takes, the virtual board streaming, a recording open on the Label page.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QLabel,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QTableWidget,
)

from tinystudio.dataset.importers import import_paths
from tinystudio.ui.app import apply_palette, configure_plots

SIZES = ((1024, 700), (1600, 1000))
SLACK = 1  # px: rounding of fractional advances


def _plain(label: QLabel) -> str:
    text = label.text()
    if label.textFormat() == Qt.RichText or (label.textFormat() == Qt.AutoText and GuiQt.mightBeRichText(text)):
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def _label_problem(label: QLabel) -> str | None:
    text = _plain(label)
    if not text.strip() or label.pixmap() is not None and not label.pixmap().isNull():
        return None
    fm = label.fontMetrics()
    room = label.contentsRect().width() - 2 * max(0, label.margin()) - max(0, label.indent())
    lines = text.split("\n")
    if label.wordWrap():
        word = max((w for line in lines for w in line.split()), key=fm.horizontalAdvance, default="")
        if fm.horizontalAdvance(word) > room + SLACK:
            return f"word {word!r} needs {fm.horizontalAdvance(word)} px, has {room}"
        if label.height() + SLACK < label.heightForWidth(label.width()):
            return f"wrapped text needs {label.heightForWidth(label.width())} px high, has {label.height()}"
        return None
    need = max(fm.horizontalAdvance(line) for line in lines)
    if need > room + SLACK:
        return f"needs {need} px, has {room}"
    return None


def _button_problem(button: QAbstractButton) -> str | None:
    text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text.strip():
        return None
    fm = button.fontMetrics()
    need = fm.horizontalAdvance(text)
    opt = QStyleOptionButton()
    button.initStyleOption(opt)
    style = button.style()
    if isinstance(button, (QCheckBox, QRadioButton)):
        element = QStyle.SE_CheckBoxContents if isinstance(button, QCheckBox) else QStyle.SE_RadioButtonContents
        room = style.subElementRect(element, opt, button).width()
        if not button.icon().isNull():
            need += button.iconSize().width() + 4
    elif isinstance(button, QPushButton):
        room = style.subElementRect(QStyle.SE_PushButtonContents, opt, button).width()
        if not button.icon().isNull():
            need += button.iconSize().width() + 4
    else:  # tool buttons and the like: the style's own measure
        room, need = button.width(), button.sizeHint().width()
    if need > room + SLACK:
        return f"needs {need} px, has {room}"
    return None


def _table_problems(table: QTableWidget) -> list[str]:
    out = []
    fm = table.fontMetrics()
    pad = 2 * table.style().pixelMetric(QStyle.PM_FocusFrameHMargin, None, table) + 4
    for col in range(table.columnCount()):
        if table.isColumnHidden(col):
            continue
        width = table.columnWidth(col)
        head = table.horizontalHeaderItem(col)
        if head is not None and table.horizontalHeader().isVisible():
            need = table.horizontalHeader().fontMetrics().horizontalAdvance(head.text()) + pad
            if need > width + SLACK:
                out.append(f"header {head.text()!r} needs {need} px, column has {width}")
            if table.columnViewportPosition(col) + width > table.viewport().width() + SLACK and \
                    table.horizontalScrollBar().value() == 0:
                out.append(f"column {head.text()!r} is past the table's right edge (scrolled out of view)")
        for row in range(table.rowCount()):
            item = table.item(row, col)
            if item is None or table.cellWidget(row, col) is not None or not item.text():
                continue
            f = item.font() if item.font() != table.font() else None
            need = (table.fontMetrics() if f is None else type(fm)(f)).horizontalAdvance(item.text()) + pad
            if need > width + SLACK:
                out.append(f"cell ({row},{col}) {item.text()!r} needs {need} px, column has {width}")
    return out


def visible_problems(root) -> list[str]:
    """Every visible text widget under ``root`` whose text does not fit, as readable lines.

    Pending layout requests are applied first: a label whose text changed on this tick
    (the status bar's rates) is measured as laid out, not in the instant before."""
    QApplication.sendPostedEvents(None, QEvent.LayoutRequest)
    problems = []
    for w in root.findChildren(QLabel) + root.findChildren(QAbstractButton) + root.findChildren(QTableWidget):
        if not w.isVisible() or w.width() <= 1:
            continue
        if isinstance(w, QTableWidget):
            issues = _table_problems(w)
        else:
            issue = _label_problem(w) if isinstance(w, QLabel) else _button_problem(w)
            issues = [issue] if issue else []
        name = type(w).__name__
        text = getattr(w, "text", lambda: "")()
        problems += [f"{name} {text!r}: {i}" for i in issues]
    return problems


def _prepare(qtbot, window, connect_virtual, tmp_path, punch_csv, flex_csv):
    window.ctx.save_now()
    path = tmp_path / "laid-out"
    import_paths(path, [punch_csv], label="punch")
    import_paths(path, [flex_csv], label="flex")
    window.open_project(path)
    qtbot.waitUntil(lambda: window.ctx.project is not None and window.ctx.project.path == path, timeout=10_000)
    connect_virtual(window, sensors=("imu", "mic"))
    window.label_page.select_recording("punch")
    qtbot.waitUntil(lambda: window.label_page.current is not None, timeout=10_000)
    window.record_page.panel.select("flex")
    qtbot.waitUntil(lambda: window.record_page.preview.n_samples > 0, timeout=10_000)
    # the Train page's result widgets, filled as a finished run fills them
    train = window.train_page
    train.float_cm.set_matrix(["flex", "punch"], [[9, 1], [0, 10]], 0.95)
    train.int8_cm.set_matrix(["flex", "punch"], [[9, 1], [1, 9]], 0.90)


def test_every_page_shows_its_whole_text(qtbot, window, connect_virtual, tmp_path, punch_csv, flex_csv):
    _prepare(qtbot, window, connect_virtual, tmp_path, punch_csv, flex_csv)
    app = QApplication.instance()
    found = []
    try:
        for dark in (False, True):
            apply_palette(app, dark)
            configure_plots(app)
            for width, height in SIZES:
                window.resize(width, height)
                assert (window.width(), window.height()) == (width, height), \
                    f"the window cannot be {width}x{height}: its minimum is {window.minimumSizeHint()}"
                for page in window.pages:
                    window.show_page(page.title)
                    qtbot.wait(60)  # layouts settle, plots tick
                    found += [f"{'dark' if dark else 'light'} {width}x{height} {page.title}: {p}"
                              for p in visible_problems(page)]
                found += [f"{width}x{height} status bar: {p}" for p in visible_problems(window.statusBar())]
    finally:
        apply_palette(app, False)
    assert not found, "clipped text:\n" + "\n".join(found)


def test_confusion_matrices_grow_with_the_window(qtbot, window, connect_virtual, tmp_path, punch_csv, flex_csv):
    _prepare(qtbot, window, connect_virtual, tmp_path, punch_csv, flex_csv)
    window.show_page("Train")
    cm = window.train_page.float_cm
    sizes = {}
    for width, height in SIZES:
        window.resize(width, height)
        qtbot.wait(60)
        sizes[width] = (cm.table.columnWidth(0), cm.table.rowHeight(0), cm.table.item(0, 0).font().pointSizeF())
    small, large = sizes[1024], sizes[1600]
    assert large[0] > 1.3 * small[0] and large[1] > 1.3 * small[1], sizes
    assert large[2] > small[2], sizes


def _contrast(widget) -> tuple[float, float]:
    """(background luma, strongest text contrast) of a widget as drawn."""
    img = widget.grab().toImage()
    w, h = img.width(), img.height()
    luma = np.array([[img.pixelColor(x, y).lightness() for x in range(4, w - 4, 2)]
                     for y in range(4, h - 4, 2)], dtype=float)
    bg = float(np.median(luma))
    return bg, float(np.max(np.abs(luma - bg)))


def test_dark_palette_disabled_buttons_look_disabled(qtbot):
    from tinystudio.ui.app import create_app

    app = create_app(dark=True)
    try:
        buttons = []
        for enabled in (True, False):
            b = QPushButton("Auto-segment all")
            b.setEnabled(enabled)
            b.resize(180, 32)
            qtbot.addWidget(b)
            b.show()
            buttons.append(b)
        qtbot.wait(20)
        (on_bg, on_contrast), (off_bg, off_contrast) = (_contrast(b) for b in buttons)
        window_luma = app.palette().window().color().lightness()
        assert off_bg <= on_bg + 5 and off_bg < 90, (on_bg, off_bg)  # never a bright slab
        assert off_contrast < 0.75 * on_contrast, (on_contrast, off_contrast)  # quieter text
        assert off_contrast > 25, off_contrast  # but still readable
        assert window_luma < 80
        icon = app.style().standardIcon(QStyle.SP_MediaPlay).pixmap(24).toImage()
        seen = [icon.pixelColor(x, y) for x in range(24) for y in range(24)]
        opaque = [c.lightness() for c in seen if c.alpha() > 128]
        assert opaque and np.mean(opaque) > 150  # standard icons drawn light on dark
    finally:
        apply_palette(app, False)


def test_record_page_board_source_row_has_its_label(qtbot, window, connect_virtual, tmp_path, punch_csv, flex_csv):
    """The Board source row reads as one of the Record form's rows: its label shows whole and
    its field starts where the Sensor/Label fields start (a long source title once squeezed
    the label to nothing, which the text check above cannot see: a 0 px label is "not shown")."""
    _prepare(qtbot, window, connect_virtual, tmp_path, punch_csv, flex_csv)
    page = window.record_page
    box = page.perform_box
    for width, height in SIZES:
        window.resize(width, height)
        window.show_page("Record")
        qtbot.wait(60)
        QApplication.sendPostedEvents(None, QEvent.LayoutRequest)
        assert box.isVisible()
        label = box.layout().labelForField(box.source)
        assert label is not None and label.text() == "Board source"
        assert label.isVisible() and label.width() >= label.fontMetrics().horizontalAdvance("Board source"), \
            f"{width}x{height}: the Board source label is {label.width()} px wide"
        left_of = lambda w: w.mapTo(page, w.rect().topLeft()).x()  # noqa: E731
        assert left_of(box.source) == left_of(page.sensor_combo), \
            f"{width}x{height}: Board source field at x={left_of(box.source)}, Sensor at {left_of(page.sensor_combo)}"


def test_record_page_takes_table_shows_rows_once_a_take_is_previewed(qtbot, window, connect_virtual, tmp_path,
                                                                      punch_csv, flex_csv):
    """With a take selected (its preview shown, as after Record), the takes table keeps room
    for a few rows under its header at 1024x700 (it once kept about 62 px: one row)."""
    _prepare(qtbot, window, connect_virtual, tmp_path, punch_csv, flex_csv)
    page = window.record_page
    table = page.panel.table
    for width, height in SIZES:
        window.resize(width, height)
        window.show_page("Record")
        qtbot.wait(60)
        QApplication.sendPostedEvents(None, QEvent.LayoutRequest)
        assert page.preview.isVisible()
        rows = table.viewport().height() / max(1, table.verticalHeader().defaultSectionSize())
        assert rows >= 4, f"{width}x{height}: the takes table shows {rows:.1f} rows ({table.viewport().height()} px)"
        assert page.preview.height() >= 2 * page.preview.min_plot_height, f"{width}x{height}: preview squeezed"


def test_board_verdicts_are_whole_at_every_size(qtbot, window, tmp_path):
    """The Train page's board table: each verdict shows whole (wrapped, never elided) at
    1024x700, 1280x800 and 1600x1000 (they read "fits ESP32-…" at 1280x800)."""
    from PySide6.QtCore import QRect

    from tinystudio.ml import fit as F
    from tinystudio.ml.report import TrainReport

    verdicts = {b.id: F.check_fit(6656, 4352, b) for b in F.boards()}  # the gestures model's figures
    cm = [[9, 1], [0, 10]]
    report = TrainReport(
        classes=["flex", "punch"], float_metrics={"accuracy": 0.95, "confusion": cm},
        int8_metrics={"accuracy": 0.95, "confusion": cm}, model_bytes=6656, arena_bytes=4352,
        train_seconds=30.0, total_seconds=40.0, model_path=str(tmp_path / "m" / "model.tflite"),
        fits={k: v.fits for k, v in verdicts.items()}, fit_messages={k: v.message for k, v in verdicts.items()},
        tflm={}, model_name="imu_cnn", budget_bytes=12288, epochs_run=15,
        candidates=[{"name": n, "val_accuracy": 0.9, "int8_bytes": b, "arena_bytes": 4352, "latency_ms": 0.1,
                     "chosen": n == "imu_cnn"} for n, b in (("imu_cnn", 6656), ("imu_features", 10264))])
    train = window.train_page
    window.show_page("Train")
    train.show_report(report)
    assert train.candidates.isVisible()  # beside the board table, as after a model search
    table = train.fit_table
    pad = 2 * table.style().pixelMetric(QStyle.PM_FocusFrameHMargin, None, table) + 4
    for width, height in (*SIZES, (1280, 800)):
        window.resize(width, height)
        qtbot.wait(60)
        QApplication.sendPostedEvents(None, QEvent.LayoutRequest)
        room = table.columnWidth(1) - pad
        assert room > 0, f"{width}x{height}: the verdict column has no room"
        fm = table.fontMetrics()
        for row in range(table.rowCount()):
            text = table.item(row, 1).text()
            assert "fits" not in text  # the row's first cell names the board and its mark says fits
            assert text == f"model {6656 / F.board(table.item(row, 0).text()[2:]).model_slot_bytes:.1%}\n" \
                f"arena {4352 / F.board(table.item(row, 0).text()[2:]).arena_bytes:.1%}"
            need = fm.boundingRect(QRect(0, 0, room, 10_000), Qt.TextWordWrap, text)
            assert need.height() <= table.rowHeight(row) + SLACK, \
                f"{width}x{height}: verdict {text!r} needs {need.height()} px high, has {table.rowHeight(row)}"
            widest = max(text.split("\n"), key=fm.horizontalAdvance)
            assert fm.horizontalAdvance(widest) <= room + SLACK, \
                f"{width}x{height}: {widest!r} needs {fm.horizontalAdvance(widest)} px, has {room}"
        assert table.columnViewportPosition(1) + table.columnWidth(1) <= table.viewport().width() + SLACK


def test_label_page_dataset_table_keeps_its_columns_and_rows_with_many_classes(qtbot, window, tmp_path,
                                                                               punch_csv):
    """Five classes and their warnings at 1024x700: the Label page's dataset table once got
    277 px for 305 px of columns (its last header read "hare", then "ha") and one row."""
    import shutil

    folder = tmp_path / "five"
    for label in ("circle", "idle", "left-right", "up-down", "testing"):
        shutil.copy(punch_csv, tmp_path / f"{label}.csv")
        import_paths(folder, [tmp_path / f"{label}.csv"], label=label)
    window.open_project(folder)
    qtbot.waitUntil(lambda: window.ctx.project is not None and window.ctx.project.path == folder, timeout=10_000)
    page = window.label_page
    table = page.summary.table
    for width, height in SIZES:
        window.resize(width, height)
        window.show_page("Label")
        page.refresh_summary()
        qtbot.wait(60)
        QApplication.sendPostedEvents(None, QEvent.LayoutRequest)
        assert table.rowCount() == 5
        assert not _table_problems(table), f"{width}x{height}: {_table_problems(table)}"
        shown = table.viewport().height() / table.verticalHeader().defaultSectionSize()
        assert shown >= 3, f"{width}x{height}: the dataset table shows {shown:.1f} rows"
