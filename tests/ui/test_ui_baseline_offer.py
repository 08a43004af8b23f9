"""When the search's baseline wins, the Train page names the feature model to train, as
`tinystudio train` prints it (issue 22 acceptance); figures of the stm32_har run."""

from __future__ import annotations


def test_train_page_offers_the_feature_model_when_the_baseline_wins(qtbot, window):
    import numpy as np

    from tinystudio.ml.evaluate import metrics
    from tinystudio.ml.report import TrainReport

    y_true = np.array([0] * 430 + [1] * 884)
    y_pred = y_true.copy()
    y_pred[:30] = 1
    y_pred[430:450] = 0
    m = metrics(y_true, y_pred, 2).to_dict()
    report = TrainReport(
        classes=["running", "walking"], float_metrics=m, int8_metrics=m, model_bytes=6512,
        arena_bytes=4256, train_seconds=153.9, total_seconds=176.0, model_path="models/x/model.tflite",
        fits={}, fit_messages={}, tflm={}, model_name="imu_cnn", budget_bytes=12 * 1024, epochs_run=40,
        baseline={"method": "random forest on spectral features", "test_accuracy": 0.9977},
        evaluation={"baseline_wins": True, "baseline_gap": 0.04, "offer": "imu_spectral"})
    window.show_page("Train")
    page = window.train_page
    page._show_quality(report)
    assert page.quality_label.isVisible()
    text = page.quality_label.text()
    assert "random forest on spectral features: 99.8%" in text
    assert "the baseline wins" in text and "tinystudio train --model imu_spectral" in text
