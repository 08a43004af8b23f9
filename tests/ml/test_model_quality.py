"""The verdicts that keep a bad model from looking good (ml/quality.py), on figures."""

from __future__ import annotations

from tinystudio.ml.quality import MIN_TEST_PER_CLASS, Concern, headline, judge, per_class


def _metrics(confusion):
    import numpy as np

    from tinystudio.ml.evaluate import metrics

    cm = np.array(confusion)
    y_true = np.concatenate([[i] * int(cm[i].sum()) for i in range(len(cm))])
    y_pred = np.concatenate([[j] * int(cm[i, j]) for i in range(len(cm)) for j in range(len(cm))])
    return metrics(y_true, y_pred, len(cm)).to_dict()


def test_precision_recall_f1_per_class():
    m = _metrics([[8, 2], [4, 16]])
    a, b = per_class(["a", "b"], m)
    assert (a.precision, a.recall, a.test_windows) == (round(8 / 12, 4), 0.8, 10)
    assert a.f1 == round(2 * (8 / 12) * 0.8 / (8 / 12 + 0.8), 4)
    assert (b.precision, b.recall, b.test_windows) == (round(16 / 18, 4), 0.8, 20)


def test_a_good_model_on_enough_data_earns_no_warning():
    assert judge(["a", "b"], _metrics([[19, 1], [2, 18]]), {"method": "knn", "test_accuracy": 0.8}) == []


def test_below_chance_below_baseline_and_small_test_sets_are_named():
    bad = _metrics([[1, 3], [2, 1]])  # 2 of 7 right: 28.6 % on two classes
    kinds = {w.concern for w in judge(["punch", "flex"], bad, {"method": "knn", "test_accuracy": 0.9})}
    assert kinds == {Concern.AT_OR_BELOW_CHANCE, Concern.BELOW_BASELINE, Concern.SMALL_TEST_SET}
    assert headline(judge(["punch", "flex"], bad)).startswith("⚠ Accuracy 28.6% is at or below chance")
    exactly_chance = _metrics([[5, 5], [5, 5]])
    assert Concern.AT_OR_BELOW_CHANCE in {w.concern for w in judge(["a", "b"], exactly_chance)}
    small = judge(["a", "b"], _metrics([[MIN_TEST_PER_CLASS - 1, 0], [0, 30]]))
    assert [w.concern for w in small] == [Concern.SMALL_TEST_SET] and "a 9" in small[0].text


def test_the_current_model_is_found_from_a_relative_project_path(tmp_path, monkeypatch):
    """`tinystudio flash gestures` from the folder above: found by the README loop test."""
    from tinystudio.ml.store import current_package_dir

    (tmp_path / "gestures" / "models" / "m1").mkdir(parents=True)
    (tmp_path / "gestures" / "models" / "current.json").write_text('{"model": "m1"}', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert current_package_dir("gestures").resolve() == (tmp_path / "gestures" / "models" / "m1").resolve()


def test_a_winning_baseline_names_the_feature_model_to_train():
    """The stm32_har run's verdict (bench_train --table): the window must say what `train`
    prints, the feature model to train instead, not only that the network lost."""
    m = _metrics([[400, 30], [20, 864]])  # 96.2 %
    base = {"method": "random forest on spectral features", "test_accuracy": 0.9977}
    wins = {"baseline_wins": True, "baseline_gap": 0.0359, "offer": "imu_spectral"}
    (w,) = judge(["running", "walking"], m, base, wins)
    assert w.concern is Concern.BELOW_BASELINE
    assert "the baseline wins" in w.text and "`tinystudio train --model imu_spectral`" in w.text
    (plain,) = judge(["running", "walking"], m, base, {"baseline_wins": False, "baseline_gap": 0.005})
    assert "wins" not in plain.text and "below the simple baseline" in plain.text
    (no_offer,) = judge(["running", "walking"], m, base, {"baseline_wins": True})
    assert "record more data" in no_offer.text and "--model" not in no_offer.text
