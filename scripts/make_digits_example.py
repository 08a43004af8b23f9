"""Write resources/examples/digits/ from scikit-learn's copy of the UCI handwritten digits.

Run once by a developer (the output is committed; TinyStudio does not need scikit-learn to
use it): ``python scripts/make_digits_example.py``. The UCI "Optical Recognition of
Handwritten Digits" set (Alpaydin and Kaynak, 1998; CC BY 4.0) ships inside scikit-learn
as sklearn/datasets/data/digits.csv.gz: 8 x 8 images, 17 grey levels (0..16). Each image
is written as an 8 x 8 8-bit grayscale PNG with level v stored as round(v * 255 / 16),
the first PER_CLASS images of each chosen digit in file order; nothing else is changed.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

CLASSES = {0: "zero", 1: "one", 2: "two", 3: "three"}
PER_CLASS = 40


def main() -> None:
    import sklearn
    from PIL import Image

    src = Path(sklearn.__file__).parent / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(src, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    x, y = data[:, :64], data[:, 64].astype(int)
    out = Path(__file__).resolve().parents[1] / "resources" / "examples" / "digits"
    for digit, name in CLASSES.items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        rows = np.nonzero(y == digit)[0][:PER_CLASS]
        for k, row in enumerate(rows):
            img = np.rint(x[row].reshape(8, 8) * 255.0 / 16.0).astype(np.uint8)
            Image.fromarray(img, mode="L").save(folder / f"{name}_{k:02d}_row{row}.png", optimize=True)
    print(f"wrote {len(CLASSES) * PER_CLASS} images to {out}")


if __name__ == "__main__":
    main()
