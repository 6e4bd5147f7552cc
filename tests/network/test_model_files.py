"""NeuralNetwork.load against damaged and hostile model files.

Every unreadable or hostile file gives a one-line ValueError naming the file and the problem;
each member's .npy header is checked against the stored configuration before any of its data
is read, so a small file declaring a huge array allocates nothing.
"""

import io
import json
import os
import re
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

from deltagrad.backprop import NeuralNetwork

CONFIG = NeuralNetwork.build([2, 3, 2], rng=0).config()


def npy(array=None, *, descr=None, shape=None, fortran=False, data=None, version=(1, 0)):
    """The bytes of a .npy file: ``array`` saved by NumPy, or a hand-made header (``descr``,
    ``shape``, ``fortran``) followed by ``data`` (default: none at all)."""
    buf = io.BytesIO()
    if array is not None:
        np.save(buf, array, allow_pickle=array.dtype.hasobject)
        return buf.getvalue()
    header = {"descr": descr, "fortran_order": fortran, "shape": shape}
    if version == (1, 0):
        np.lib.format.write_array_header_1_0(buf, header)
    else:
        np.lib.format.write_array_header_2_0(buf, header)
    if version not in ((1, 0), (2, 0)):  # relabel a 2.0 header with another version
        raw = bytearray(buf.getvalue())
        raw[6:8] = bytes(version)
        buf = io.BytesIO(bytes(raw))
        buf.seek(0, io.SEEK_END)
    buf.write(data or b"")
    return buf.getvalue()


def valid_members(net=None) -> dict:
    """{member name: bytes} of a valid model file."""
    net = net or NeuralNetwork.build([2, 3, 2], rng=0)
    members = {"config.npy": npy(np.array(json.dumps(net.config())))}
    for i, (W, b) in enumerate(zip(net.weights, net.biases)):
        members[f"W{i}.npy"], members[f"b{i}.npy"] = npy(W), npy(b)
    return members


def write_zip(path, members: dict, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def with_config(members: dict, config) -> dict:
    text = config if isinstance(config, str) else json.dumps(config)
    return {**members, "config.npy": npy(np.array(text))}


def assert_refused(path, match: str):
    """load raises a one-line ValueError that starts with the file's name and matches."""
    with pytest.raises(ValueError) as err:
        NeuralNetwork.load(path)
    message = str(err.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message, message
    assert re.search(match, message), message
    return message


# --- files that are fine ----------------------------------------------------------------------


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_round_trip_still_works(tmp_path, compression):
    net = NeuralNetwork.build([2, 5, 4, 3], "tanh", "softmax_cross_entropy", rng=7)
    path = net.save(tmp_path / "model.npz")
    again = NeuralNetwork.load(path)
    assert again.config() == net.config()
    for p, q in zip(net.weights + net.biases, again.weights + again.biases):
        np.testing.assert_array_equal(p, q)
    other = write_zip(tmp_path / "other.npz", valid_members(net), compression)
    for p, q in zip(
        net.weights + net.biases,
        NeuralNetwork.load(other).weights + NeuralNetwork.load(other).biases,
    ):
        np.testing.assert_array_equal(p, q)


def test_a_compressed_npz_and_other_float_layouts_load(tmp_path):
    net = NeuralNetwork.build([2, 3, 2], rng=1)
    with open(tmp_path / "c.npz", "wb") as f:
        np.savez_compressed(
            f,
            config=np.array(json.dumps(net.config())),
            W0=np.asfortranarray(net.weights[0]),  # Fortran order
            b0=net.biases[0].astype(">f8"),  # big-endian
            W1=net.weights[1],
            b1=net.biases[1],
        )
    again = NeuralNetwork.load(tmp_path / "c.npz")
    for p, q in zip(net.weights + net.biases, again.weights + again.biases):
        np.testing.assert_array_equal(p, q)
    members = valid_members(net)
    members["W1.npy"] = npy(net.weights[1].astype(np.float32))
    loaded = NeuralNetwork.load(write_zip(tmp_path / "f32.npz", members))
    np.testing.assert_array_equal(loaded.weights[1], net.weights[1].astype(np.float32))
    assert loaded.weights[1].dtype == np.float64


# --- damaged files ------------------------------------------------------------------------------


def test_truncated_files_at_many_lengths(tmp_path):
    data = NeuralNetwork.build([2, 3, 2], rng=0).save(tmp_path / "m.npz").read_bytes()
    path = tmp_path / "cut.npz"
    lengths = {*range(64), *range(64, len(data), 7), *range(len(data) - 64, len(data))}
    for n in sorted(lengths):
        path.write_bytes(data[:n])
        assert_refused(
            path,
            "not a .npz file written by NeuralNetwork.save "
            r"\((not a zip archive|a truncated or damaged zip archive)",
        )


def test_every_damaged_byte_is_refused_or_harmless(tmp_path):
    net = NeuralNetwork.build([2, 3, 2], rng=0)
    data = net.save(tmp_path / "m.npz").read_bytes()
    path = tmp_path / "damaged.npz"
    for i in range(0, len(data), 5):
        damaged = bytearray(data)
        damaged[i] ^= 0xFF
        path.write_bytes(bytes(damaged))
        try:
            again = NeuralNetwork.load(path)
        except ValueError as err:
            assert str(err).startswith(f"{path}: ") and "\n" not in str(err)
        else:  # a byte zipfile does not read (a timestamp, a local header's copy of a field)
            assert again.config() == net.config()
            for p, q in zip(net.weights + net.biases, again.weights + again.biases):
                np.testing.assert_array_equal(p, q)


def test_a_member_with_a_bad_crc_is_refused(tmp_path):
    members = valid_members()
    path = write_zip(tmp_path / "crc.npz", members)
    data = bytearray(path.read_bytes())
    at = data.find(members["W0.npy"][-8:])  # the last weight's bytes, stored as they are
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    assert_refused(path, "damaged .npz archive.*CRC")


# --- hostile headers: refused before any data is read -----------------------------------------


def test_a_header_declaring_a_huge_array_allocates_nothing(tmp_path):
    members = valid_members()
    members["W0.npy"] = npy(descr="<f8", shape=(10**9, 10**9))  # 8 EB declared, 0 bytes held
    path = write_zip(tmp_path / "huge.npz", members)
    assert path.stat().st_size < 2000
    tracemalloc.start()
    try:
        assert_refused(
            path,
            r"layer 0: weights must have shape \(2, 3\), "
            r"got \(1000000000, 1000000000\)",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 << 20  # refused from the header: nothing near 8 EB was allocated


def test_a_config_declaring_a_huge_network_is_refused_before_reading(tmp_path):
    config = {**CONFIG, "layers": [{"n_input": 10**9, "n_neurons": 10**9, "activation": None}]}
    members = {
        "config.npy": npy(np.array(json.dumps(config))),
        "W0.npy": npy(descr="<f8", shape=(10**9, 10**9)),
        "b0.npy": npy(descr="<f8", shape=(10**9,)),
    }
    path = write_zip(tmp_path / "huge.npz", members)
    tracemalloc.start()
    try:
        assert_refused(path, r"declares more than \d+ parameters")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 << 20


def test_a_header_whose_data_is_missing_is_refused_before_reading(tmp_path):
    """Shapes agree with the configuration (10000 x 10000, 800 MB) but the member holds
    nothing: the stored size gives it away, nothing is allocated."""
    config = {**CONFIG, "layers": [{"n_input": 10_000, "n_neurons": 10_000, "activation": None}]}
    members = {
        "config.npy": npy(np.array(json.dumps(config))),
        "W0.npy": npy(descr="<f8", shape=(10_000, 10_000), data=b"\0" * 8),
        "b0.npy": npy(np.zeros(10_000)),
    }
    path = write_zip(tmp_path / "short.npz", members)
    tracemalloc.start()
    try:
        assert_refused(
            path,
            r"layer 0: weights: the archive holds 8 bytes of data where "
            r"shape \(10000, 10000\) of float64 needs 800000000",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 << 20


def test_extra_data_after_the_array_is_refused(tmp_path):
    members = valid_members()
    members["b1.npy"] += b"\0" * 16
    assert_refused(
        write_zip(tmp_path / "long.npz", members),
        r"layer 1: bias: the archive holds 32 bytes of data where shape \(2,\) "
        r"of float64 needs 16",
    )


@pytest.mark.parametrize("shape", [(3, 2), (2, 3, 1), (6,), ()])
def test_a_shape_that_disagrees_with_the_config(tmp_path, shape):
    members = valid_members()
    members["W0.npy"] = npy(np.zeros(shape))
    assert_refused(
        write_zip(tmp_path / "shape.npz", members),
        r"not a valid deltagrad network: layer 0: weights must have shape \(2, 3\), "
        + r"got "
        + re.escape(str(shape)),
    )


@pytest.mark.parametrize(
    "array,match",
    [
        (np.zeros((2, 3), dtype=np.int64), "must be floating point, got dtype int64"),
        (np.zeros((2, 3), dtype=bool), "must be floating point, got dtype bool"),
        (np.zeros((2, 3), dtype=complex), "must be floating point, got dtype complex128"),
        (np.zeros((2, 3), dtype="U3"), "must be floating point, got dtype <U3"),
        (np.zeros((2, 3), dtype=[("a", "<f8")]), r"has dtype .* \(pickled objects and records"),
    ],
)
def test_a_dtype_that_is_not_float(tmp_path, array, match):
    members = valid_members()
    members["W0.npy"] = npy(array)
    assert_refused(write_zip(tmp_path / "dtype.npz", members), "layer 0: weights " + match)


class _Payload:
    """Unpickling this would create a folder: proof that nothing was unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (self.marker,)


def test_object_arrays_are_never_unpickled(tmp_path):
    marker = str(tmp_path / "unpickled")
    evil = np.empty((2, 3), dtype=object)
    evil[...] = _Payload(marker)
    for member in ("W0.npy", "config.npy"):
        members = valid_members()
        members[member] = npy(evil if member == "W0.npy" else np.array(_Payload(marker)))
        message = assert_refused(
            write_zip(tmp_path / "evil.npz", members),
            r"has dtype object \(pickled objects and records are refused\)",
        )
        assert ("layer 0: weights" if member == "W0.npy" else "'config'") in message
    assert not os.path.exists(marker)


@pytest.mark.parametrize(
    "member,match",
    [
        (
            npy(descr="<f8", shape=(2, 3), version=(3, 0)),
            r"not a valid .npy array \(unsupported .npy format version 3\.0\)",
        ),
        (npy(descr="<f8", shape=(2, 3), version=(9, 9)), "not a valid .npy array"),
        (b"\x93NUMPY\x01\x00\x10\x00{'descr': 'zz'}\n" + b"\0" * 48, "not a valid .npy array"),
        (b"\x93NUMPY\x01\x00\xff\xff" + b" " * 100, "not a valid .npy array"),  # header cut short
        (b"not an npy file at all", "not a valid .npy array"),
        (b"", "not a valid .npy array"),
        (
            b"\x93NUMPY\x02\x00" + (200_000).to_bytes(4, "little") + b" " * 200_000,
            "not a valid .npy array",
        ),  # a header beyond numpy's limit
    ],
)
def test_malformed_npy_headers(tmp_path, member, match):
    members = valid_members()
    members["W0.npy"] = member
    assert_refused(write_zip(tmp_path / "header.npz", members), "layer 0: weights: " + match)


def test_npy_format_2_headers_are_read(tmp_path):
    members = valid_members()
    W = NeuralNetwork.build([2, 3, 2], rng=0).weights[0]
    members["W0.npy"] = npy(descr="<f8", shape=(2, 3), data=W.tobytes(), version=(2, 0))
    np.testing.assert_array_equal(
        NeuralNetwork.load(write_zip(tmp_path / "v2.npz", members)).weights[0], W
    )


# --- the configuration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "config,match",
    [
        ("{not json", "'config' is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "'config' is not valid JSON"),
        ("[]", "does not describe a deltagrad.NeuralNetwork"),
        ({**CONFIG, "layers": "two"}, "no list of layers"),
        ({**CONFIG, "layers": [1, 2]}, "no list of layers"),
        ({**CONFIG, "loss": ["mse"]}, "unknown loss"),
        ({**CONFIG, "version": "1"}, "unsupported format version '1'"),
        (
            {**CONFIG, "layers": [{**CONFIG["layers"][0], "n_input": "2"}, CONFIG["layers"][1]]},
            "layer 0: bad description .*positive integers",
        ),
        (
            {**CONFIG, "layers": [{**CONFIG["layers"][0], "n_input": 2.0}, CONFIG["layers"][1]]},
            "layer 0: bad description .*positive integers",
        ),
        (
            {**CONFIG, "layers": [{**CONFIG["layers"][0], "n_input": True}, CONFIG["layers"][1]]},
            "layer 0: bad description .*positive integers",
        ),
        (
            {**CONFIG, "layers": [CONFIG["layers"][0], {**CONFIG["layers"][1], "n_neurons": -2}]},
            "layer 1: bad description .*positive integers",
        ),
        (
            {**CONFIG, "layers": [CONFIG["layers"][0], {"n_input": 3, "n_neurons": 2}]},
            "layer 1: bad description",
        ),
        (
            {**CONFIG, "layers": [CONFIG["layers"][0], {**CONFIG["layers"][1], "activation": 1}]},
            "layer 1: unknown activation 1",
        ),
        (
            {**CONFIG, "layers": [CONFIG["layers"][0], {**CONFIG["layers"][1], "n_input": 4}]},
            "layer 1 takes 4 inputs but the previous layer has 3 outputs",
        ),
    ],
)
def test_a_bad_configuration(tmp_path, config, match):
    path = write_zip(tmp_path / "config.npz", with_config(valid_members(), config))
    assert_refused(path, "not a valid deltagrad network: .*" + match)


@pytest.mark.parametrize(
    "config,match",
    [
        (np.array(b"{}"), r"'config' must be a JSON string, got dtype \|S2"),
        (np.array([json.dumps(CONFIG)]), r"'config' must have shape \(\), got \(1,\)"),
        (np.zeros(3), "'config' must be a JSON string, got dtype float64"),
    ],
)
def test_a_config_that_is_not_one_string(tmp_path, config, match):
    members = {**valid_members(), "config.npy": npy(config)}
    assert_refused(write_zip(tmp_path / "config.npz", members), match)


def test_a_config_longer_than_any_network_needs(tmp_path):
    members = {**valid_members(), "config.npy": npy(descr="<U2000000", shape=())}
    assert_refused(
        write_zip(tmp_path / "config.npz", members), r"'config' is longer than \d+ characters"
    )


# --- members --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit,match",
    [
        (lambda m: m.pop("config.npy"), "missing 'config'"),
        (lambda m: m.pop("W1.npy"), "missing array 'W1'"),
        (lambda m: m.pop("b0.npy"), "missing array 'b0'"),
        (lambda m: m.update({"W2.npy": npy(np.zeros((2, 2)))}), r"unexpected arrays \['W2'\]"),
        (lambda m: m.update({"notes.txt": b"hello"}), "a member that is not .npy: 'notes.txt'"),
    ],
)
def test_missing_and_extra_members(tmp_path, edit, match):
    members = valid_members()
    edit(members)
    assert_refused(write_zip(tmp_path / "members.npz", members), match)


def test_a_repeated_member(tmp_path):
    members = valid_members()
    path = write_zip(tmp_path / "twice.npz", members)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("W0.npy", npy(np.zeros((2, 3))))
    assert_refused(path, "a repeated member: 'W0.npy'")


@pytest.mark.parametrize(
    "member,value,match",
    [
        ("W0.npy", np.full((2, 3), np.nan), "layer 0: weights contains NaN or infinite values"),
        ("b1.npy", np.array([0.0, np.inf]), "layer 1: bias contains NaN or infinite values"),
        ("W1.npy", np.full((3, 2), -np.inf), "layer 1: weights contains NaN or infinite values"),
    ],
)
def test_non_finite_parameters(tmp_path, member, value, match):
    members = valid_members()
    members[member] = npy(value)
    assert_refused(write_zip(tmp_path / "nan.npz", members), match)


# --- not a model file at all ----------------------------------------------------------------


def test_paths_that_are_not_model_files(tmp_path):
    assert_refused(tmp_path / "missing.npz", "no such file")
    assert_refused(tmp_path, "not a file")
    (tmp_path / "empty.npz").write_bytes(b"")
    assert_refused(tmp_path / "empty.npz", r"not a zip archive\)")
    (tmp_path / "text.npz").write_text("W0,b0\n1,2\n")
    assert_refused(tmp_path / "text.npz", r"not a zip archive\)")
    np.save(tmp_path / "one.npy", np.zeros(3))
    assert_refused(tmp_path / "one.npy", "not a .npz archive .it holds a single .npy array")
    (tmp_path / "pk.npz").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    assert_refused(tmp_path / "pk.npz", "a truncated or damaged zip archive")


def test_an_encrypted_or_oddly_compressed_member(tmp_path):
    path = write_zip(tmp_path / "odd.npz", valid_members())
    data = bytearray(path.read_bytes())
    # Mark every member as using compression method 99 (AES; zipfile cannot read it).
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(signature)
        while at != -1:
            data[at + offset : at + offset + 2] = (99).to_bytes(2, "little")
            at = data.find(signature, at + 1)
    path.write_bytes(bytes(data))
    assert_refused(path, "damaged .npz archive")
