"""The playground's data sets: the chapter's moons exactly, the others seeded and shaped."""

from __future__ import annotations

import numpy as np
import pytest

from deltagrad.data import chapter_data
from deltagrad.playground import datasets


def test_moons_at_the_chapters_settings_is_chapter_data():
    for got, want in zip(datasets.make("moons", 2000, 0.2, 0.3, 100), chapter_data()):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "name,classes", [("moons", 2), ("circles", 2), ("xor", 2), ("blobs", 3), ("spiral", 2)]
)
def test_generated_sets(name, classes):
    X, y = datasets.GENERATORS[name](300, 0.1, 5)
    assert X.shape == (300, 2) and X.dtype == np.float64 and y.dtype == np.int64
    assert sorted(set(y.tolist())) == list(range(classes))
    again = datasets.GENERATORS[name](300, 0.1, 5)
    np.testing.assert_array_equal(again[0], X)  # the seed decides everything
    other = datasets.GENERATORS[name](300, 0.1, 6)
    assert not np.array_equal(other[0], X)
    assert np.abs(X).max() < 5  # on the moons' scale
    X_train, X_test, _, _ = datasets.make(name, 300, 0.1, 0.25, 5)
    assert len(X_train) == 225 and len(X_test) == 75


def test_noise_free_sets_follow_their_rule():
    X, y = datasets.xor(500, 0.0, 1)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))
    X, y = datasets.circles(500, 0.0, 1)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.5)
    X, y = datasets.blobs(400, 0.0, 1, centres=4)
    assert sorted(set(y.tolist())) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="centres"):
        datasets.blobs(10, 0.1, 0, centres=1)


def test_parse_csv_checks_like_load_csv(tmp_path):
    from deltagrad.data import load_csv

    text = "x1,x2,label\n0,0,0\n1,1,1\n\n2,2,0\n3,3,1\n"
    path = tmp_path / "d.csv"
    path.write_text(text)
    for got, want in zip(datasets.parse_csv(text), load_csv(path)):
        np.testing.assert_array_equal(got, want)
    bad = "0,0,0\n1,1,1\n2,x,1\n3,3,1\n"
    path.write_text(bad)
    with pytest.raises(ValueError) as from_file:
        load_csv(path)
    with pytest.raises(ValueError) as from_text:
        datasets.parse_csv(bad, name=str(path))
    assert str(from_text.value) == str(from_file.value)
    with pytest.raises(datasets.TooManyRows, match="more than 3"):
        datasets.parse_csv(text, max_rows=3)
