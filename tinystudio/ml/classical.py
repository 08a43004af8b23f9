"""Classical baselines that a network must beat: Edge-Impulse-style features + trees, and
MFCC statistics + an SVM for keywords.

Why: on real public sets a random forest on spectral features matched or beat the
studio's int8 network on almost every set; a studio that does not measure this keeps a
network that is not earning its size. Every baseline is fitted on the same training
windows, scored on the same validation folds as the model search and on the same test
windows, and the best by validation accuracy is reported beside the model (the test split
never chooses). scikit-learn is imported inside the functions only.

Motion features per channel (physical units), as Edge Impulse's spectral-analysis block
computes them: mean, RMS after removing the mean, skewness and kurtosis of a low-pass
filtered copy, minimum and maximum, log band powers of a Hann-windowed spectrum in
``BANDS`` bands up to Nyquist, and the frequency and log power of the strongest peak.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

BANDS = 8
LOWPASS_FRACTION = 0.25  # low-pass cutoff as a fraction of the sample rate (EI: ~fs/4)
N_MFCC = 13


def spectral_features(x: np.ndarray, rate_hz: float, bands: int = BANDS) -> np.ndarray:
    """``(n, window, ch)`` physical windows -> ``(n, ch * (6 + bands + 2))`` features."""
    x = np.asarray(x, dtype=np.float64)
    n, w, ch = x.shape
    mean = x.mean(axis=1)
    centred = x - mean[:, None, :]
    spec = np.fft.rfft(centred, axis=1)
    freqs = np.fft.rfftfreq(w, d=1.0 / rate_hz)
    keep = freqs <= LOWPASS_FRACTION * rate_hz  # a brick-wall low-pass in the spectrum
    low = np.fft.irfft(spec * keep[None, :, None], n=w, axis=1)
    sd = low.std(axis=1) + 1e-12
    skew = ((low - low.mean(axis=1, keepdims=True)) ** 3).mean(axis=1) / sd ** 3
    kurt = ((low - low.mean(axis=1, keepdims=True)) ** 4).mean(axis=1) / sd ** 4
    rms = np.sqrt((centred ** 2).mean(axis=1))
    hann = np.hanning(w)[None, :, None]
    power = np.abs(np.fft.rfft(centred * hann, axis=1)) ** 2
    edges = np.linspace(0, power.shape[1], bands + 1).astype(int)
    band = np.stack([power[:, a:max(b, a + 1)].mean(axis=1) for a, b in zip(edges[:-1], edges[1:], strict=True)],
                    axis=1)  # (n, bands, ch)
    peak = power[:, 1:].argmax(axis=1) + 1 if power.shape[1] > 1 else np.zeros((n, ch), int)
    peak_power = np.take_along_axis(power, peak[:, None, :], axis=1)[:, 0]
    parts = [mean, rms, skew, kurt, x.min(axis=1), x.max(axis=1),
             np.log10(band + 1e-12).reshape(n, bands * ch), freqs[peak], np.log10(peak_power + 1e-12)]
    return np.concatenate(parts, axis=1)


def mfcc_stats(spectrograms: np.ndarray, n_mfcc: int = N_MFCC) -> np.ndarray:
    """``(n, frames, bands[, 1])`` log-mel features (the micro front end's output) ->
    mean and standard deviation of their first ``n_mfcc`` cepstral coefficients (DCT-II)
    and of their frame-to-frame deltas."""
    s = np.asarray(spectrograms, dtype=np.float64)
    s = s.reshape(s.shape[0], s.shape[1], -1)
    bands = s.shape[2]
    k = np.arange(n_mfcc)[:, None]
    m = np.arange(bands)[None, :]
    dct = np.cos(np.pi * k * (2 * m + 1) / (2 * bands))  # (n_mfcc, bands)
    c = s @ dct.T  # (n, frames, n_mfcc)
    d = np.diff(c, axis=1) if c.shape[1] > 1 else np.zeros_like(c)
    return np.concatenate([c.mean(1), c.std(1), d.std(1)], axis=1)


@dataclass
class Baseline:
    method: str
    test_accuracy: float
    n_test: int
    val_accuracy: float | None = None
    val_std: float | None = None
    val_folds: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _models(kind: str, seed: int) -> dict:
    """Factories ``(n training examples) -> estimator``: small sets get small leaves (the
    defaults need 20 examples per leaf, more than a 3-class gesture set has per class)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    if kind == "audio":
        return {"SVM (RBF) on MFCC statistics":
                lambda n: make_pipeline(StandardScaler(), SVC(C=10.0, gamma="scale", random_state=seed))}
    return {
        "random forest on spectral features":
            lambda n: RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1),
        "gradient boosting on spectral features":
            lambda n: HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, random_state=seed,
                                                     min_samples_leaf=int(max(2, min(20, n // 20)))),
    }


def _score(make, f_tr, y_tr, f_te, y_te) -> float:
    """Fit and score one baseline on one thread: gradient boosting's OpenMP threads
    otherwise spin against training on a busy machine (minutes instead of seconds)."""
    from threadpoolctl import threadpool_limits

    if len(np.unique(y_tr)) < 2 or not len(y_te):
        return float("nan")
    with threadpool_limits(limits=1):
        model = make(len(y_tr))
        model.fit(f_tr, y_tr)
        return float(np.mean(model.predict(f_te) == y_te))


def evaluate_classical(f_train, y_train, f_test, y_test, folds, kind: str = "motion",
                       seed: int = 0) -> list[Baseline]:
    """Each baseline's test accuracy and validation accuracy over ``folds``."""
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    out = []
    for method, make in _models(kind, seed).items():
        acc = _score(make, f_train, y_train, f_test, y_test)
        res = Baseline(method, round(acc, 4), int(len(y_test)))
        scores = [_score(make, f_train[tr], y_train[tr], f_train[va], y_train[va])
                  for tr, va in folds if len(va) and len(tr)]
        scores = [s for s in scores if s == s]
        if scores:
            res.val_folds = [round(s, 4) for s in scores]
            res.val_accuracy = round(float(np.mean(scores)), 4)
            res.val_std = round(float(np.std(scores)), 4)
        out.append(res)
    return out


def best(results: list[dict]) -> dict:
    """The baseline a user should compare with: best validation accuracy (the test split
    never chooses); with no validation, the best test accuracy, said so."""
    scored = [r for r in results if r.get("val_accuracy") is not None]
    if scored:
        pick = max(scored, key=lambda r: r["val_accuracy"])
        return {**pick, "chosen_by": "validation"}
    pick = max(results, key=lambda r: r["test_accuracy"])
    return {**pick, "chosen_by": "test (no validation folds)"}
