"""Model-search plumbing without TensorFlow: grouped and subject folds, the choice rule,
and the nearest-neighbour baseline."""

import numpy as np

from tinystudio.ml.baseline import evaluate_baseline, window_stats
from tinystudio.ml.search import Candidate, choose, make_folds


def test_folds_keep_groups_together_and_use_subjects_when_named():
    y = np.repeat([0, 1], 30)
    groups = [f"seg{i // 3}" for i in range(60)]  # 3 windows per segment
    f = make_folds(y, groups, [""] * 60, seed=0)
    assert f.scheme == "3-fold by segment" and len(f.folds) == 3
    for tr, va in f.folds:
        assert not {groups[i] for i in tr} & {groups[i] for i in va}
        assert set(y[va]) == {0, 1}
    assert sorted(np.concatenate([va for _, va in f.folds]).tolist()) == list(range(60))
    big = make_folds(np.repeat([0, 1], 300), [f"s{i // 10}" for i in range(600)], [""] * 600)
    assert big.scheme == "holdout 20% by segment" and len(big.folds) == 1
    subjects = ["ann", "bob", "cy"] * 20
    loso = make_folds(y, groups, subjects, seed=0)
    assert loso.scheme == "leave-one-subject-out (3 subjects)"
    assert [sorted({subjects[i] for i in va}) for _, va in loso.folds] in (
        [[a] for a in p] for p in __import__("itertools").permutations(["ann", "bob", "cy"]))
    one = make_folds(np.array([0, 0, 1, 1]), ["a", "a", "b", "c"], [""] * 4)
    assert one.folds == [] and one.scheme.startswith("none")


def _cand(name, acc, size, fits=True):
    return Candidate(name, "", acc, 0.0, [acc], size, 1000, 0.1, 20000, fits)


def test_choice_prefers_accuracy_then_size_and_skips_what_does_not_fit():
    assert choose([_cand("a", 0.90, 5000), _cand("b", 0.97, 15000)]).name == "b"
    assert choose([_cand("a", 0.97, 5000), _cand("b", 0.972, 15000)]).name == "a"  # a tie: smaller
    assert choose([_cand("a", 0.99, 5000, fits=False), _cand("b", 0.5, 9000)]).name == "b"
    assert choose([_cand("a", None, 5000), _cand("b", None, 9000)]).name == "a"
    assert choose([_cand("a", 0.9, 5000, fits=False)]) is None


def test_baseline_separates_still_from_shaking_windows():
    rng = np.random.default_rng(0)
    still = rng.normal(0, 1, (20, 50, 3)) + [0, 0, 100]
    shake = rng.normal(0, 40, (20, 50, 3)) + [0, 0, 100]
    x = np.concatenate([still, shake])
    y = np.repeat([0, 1], 20)
    assert window_stats(x[:1], [0.5, 0.5, 0.5]).shape == (1, 12)
    folds = make_folds(y[::2], [str(i) for i in range(20)], [""] * 20).folds
    res = evaluate_baseline(x[::2], y[::2], x[1::2], y[1::2], [1.0] * 3, folds)
    assert res.test_accuracy == 1.0 and res.n_test == 20
    assert res.val_accuracy == 1.0 and len(res.val_folds) == 3


def test_search_progress_line_reads_back_as_a_share_that_only_grows():
    """The status line the search prints is what the Train page turns into its percentage."""
    from tinystudio.ml.search import SearchProgress

    seen = []
    for c in (1, 2, 3):
        for f in (1, 2):
            for e in (0, 20, 40):
                where = SearchProgress(c, 3, f"cand{c}", f, 2, e, 40)
                back = SearchProgress.parse("train: " + where.line())
                assert back == where
                seen.append(back.fraction)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert all(a <= b for a, b in zip(seen, seen[1:], strict=False))
    assert SearchProgress(2, 3, "imu_cnn", 1, 2, 0, 40).fraction == 2 / 6
    assert SearchProgress.parse("model search: imu_cnn, fold 1 of 3") is None
