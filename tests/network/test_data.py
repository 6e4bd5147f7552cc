"""deltagrad.data: the chapter's moons and split, one-hot labels, and the checked CSV loader."""

import numpy as np
import pytest

from deltagrad.data import (
    MIN_ROWS,
    chapter_data,
    check_labels,
    load_csv,
    moons,
    one_hot,
    train_test_split,
)


def test_chapter_moons_and_split():
    X, y = moons()
    assert X.shape == (2000, 2) and y.shape == (2000,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1}
    X_train, X_test, y_train, y_test = chapter_data()
    assert X_train.shape == (1400, 2) and X_test.shape == (600, 2)
    assert y_train.shape == (1400,) and y_test.shape == (600,)
    again = chapter_data()
    np.testing.assert_array_equal(again[0], X_train)
    np.testing.assert_array_equal(again[3], y_test)


def test_moons_matches_scikit_learn():
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=2000, noise=0.2, random_state=100)
    ours = moons()
    np.testing.assert_array_equal(ours[0], X)
    np.testing.assert_array_equal(ours[1], y)


@pytest.mark.parametrize(
    "n, noise, seed",
    [
        (2000, 0.2, 100),
        (20000, 0.2, 100),
        (4000, 0.2, 100),
        (1, 0.1, 0),
        (7, 0.0, 3),
        (301, None, 5),
        (10, 1, np.int64(9)),
    ],
)
def test_moons_and_split_are_scikit_learns_bit_for_bit(n, noise, seed):
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split as sk_split

    X, y = moons(n, noise, seed)
    X_sk, y_sk = make_moons(n_samples=n, noise=noise, random_state=seed)
    assert X.tobytes() == X_sk.astype(np.float64).tobytes()
    np.testing.assert_array_equal(y, y_sk)
    if n < 2:
        return
    for test_size, split_seed in [(0.3, 42), (0.5, 0), (0.01, 7)]:
        ours = train_test_split(X, y, test_size, split_seed)
        theirs = sk_split(X, y, test_size=test_size, random_state=split_seed)
        for a, b in zip(ours, theirs):
            assert a.shape == b.shape and a.tobytes() == b.tobytes()


def test_moons_and_split_leave_other_arguments_to_scikit_learn():
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        moons(0)
    with pytest.raises(InvalidParameterError):
        moons(10, noise=-1.0)
    X, y = moons(20, 0.1, np.random.RandomState(0))  # a RandomState: scikit-learn's own path
    assert X.shape == (20, 2)
    assert [len(part) for part in train_test_split(X, y, test_size=5)] == [15, 5, 15, 5]
    with pytest.raises(ValueError):
        train_test_split(X[:1], y[:1])  # nothing left to train on


def test_chapter_run_does_not_import_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys; from deltagrad.data import chapter_data; chapter_data(); "
        "print(any(m == 'sklearn' or m.startswith('sklearn.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_split_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="X has 3 rows but y has 2"):
        train_test_split(np.zeros((3, 2)), np.zeros(2))


def test_one_hot():
    np.testing.assert_array_equal(one_hot([1, 0, 2]), [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(one_hot(np.array([1.0, 0.0]), 3), [[0, 1, 0], [1, 0, 0]])
    assert one_hot([0, 1]).dtype == np.float64


@pytest.mark.parametrize(
    "labels,n_classes,match",
    [
        ([0, 2], 2, r"must be in 0..1, found 2"),
        ([0, -1], None, "must be >= 0"),
        ([0.5, 1], None, "must be integers"),
        ([[0, 1]], None, "1-D"),
        (["a", "b"], None, "must be integers"),
    ],
)
def test_bad_labels(labels, n_classes, match):
    with pytest.raises(ValueError, match=match):
        one_hot(labels, n_classes)


def test_check_labels_accepts_whole_floats():
    np.testing.assert_array_equal(check_labels(np.array([0.0, 1.0, 2.0])), [0, 1, 2])


# --- load_csv -------------------------------------------------------------------------------


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD_ROWS = "0.5,1.0,0\n-1.5,2,1\n3e-1,0.25,1\n1,1,0\n"


@pytest.mark.parametrize("header", ["", "x1,x2,label\n", "a, b, class\n"])
def test_load_csv(tmp_path, header):
    X, y = load_csv(write(tmp_path, header + GOOD_ROWS))
    np.testing.assert_array_equal(X, [[0.5, 1.0], [-1.5, 2.0], [0.3, 0.25], [1.0, 1.0]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_load_csv_tolerates_blank_lines_spaces_bom_and_float_labels(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("\ufeffx1, x2, label\n\n 0.5 , 1.0 , 0.0\n1,2,1\r\n\n3,4,2\n5,6,1\n")
    X, y = load_csv(path)
    np.testing.assert_array_equal(y, [0, 1, 2, 1])


def test_load_csv_roundtrips_the_moons(tmp_path):
    X, y = moons(n_samples=50)
    path = tmp_path / "moons.csv"
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", header="x1,x2,label", comments="")
    X2, y2 = load_csv(path)
    np.testing.assert_allclose(X2, X, rtol=1e-15)
    np.testing.assert_array_equal(y2, y)


@pytest.mark.parametrize(
    "text,match",
    [
        (
            "x1,x2,label\n0,0,0\n1,1\n2,2,1\n3,3,1\n",
            r"row 3: expected 3 columns \(x1, x2, label\), found 2",
        ),
        ("0,0,0\n1,1,1,7\n2,2,1\n3,3,1\n", r"row 2: expected 3 columns"),
        ("0,0,0\n1,abc,1\n2,2,1\n3,3,1\n", r"row 2: x2 is not a number: 'abc'"),
        ("0,0,0\n1,1,1\nnan,2,1\n3,3,1\n", r"row 3: x1 is not finite: 'nan'"),
        ("0,0,0\n1,1,1\n2,inf,1\n3,3,1\n", r"row 3: x2 is not finite: 'inf'"),
        (
            "0,0,0\n1,1,1\n2,2,1.5\n3,3,1\n",
            r"row 3: label must be a whole number >= 0, found '1.5'",
        ),
        ("0,0,0\n1,1,-1\n2,2,1\n3,3,1\n", r"row 2: label must be a whole number >= 0, found '-1'"),
        ("0,0,0\n1,1,\n2,2,1\n3,3,1\n", r"row 2: label is not a number: ''"),
        ("x1,x2,label\n0,0,0\n1,1,2\n2,2,2\n3,3,0\n", r"row 3: label 2 but no row has label 1"),
        ("0,0,1\n1,1,1\n2,2,2\n3,3,2\n", r"row 1: label 1 but no row has label 0"),
        ("0,0,1\n1,1,1\n2,2,1\n3,3,1\n", r"need at least two classes, every row has label 1"),
        ("x1,x2,label\n0,0,0\n1,1,1\n", rf"need at least {MIN_ROWS} data rows, found 2"),
        ("", rf"need at least {MIN_ROWS} data rows, found 0"),
        (
            "x1,x2,label\n0,0,0\n1,1,1\n2,2,1e30\n3,3,0\n",
            r"row 4: label 1000000000000000019884624838656 but no row has label 2",
        ),
    ],
)
def test_load_csv_reports_the_row(tmp_path, text, match):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=match) as info:
        load_csv(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_load_csv_missing_file(tmp_path):
    with pytest.raises(ValueError, match="nope.csv: no such file"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="not a file"):
        load_csv(tmp_path)


def test_load_csv_binary_file(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"PK\x03\x04\xff\xfe\x00\x80binary")
    with pytest.raises(ValueError, match="model.npz: not a text"):
        load_csv(path)
