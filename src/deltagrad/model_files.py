"""Model files: the chapter's network on disk, as ``.npz`` (arrays and a JSON ``config``
string, no pickle), and the checks that make reading a damaged or hostile file safe.

:meth:`deltagrad.backprop.NeuralNetwork.save` and ``.load`` are thin methods calling
:func:`save` and :func:`load`. This module knows files, not networks: ``load`` is handed the
network's own checks of activation and loss names and a ``build`` function, so it does not
import :mod:`deltagrad.backprop`.

``load`` reads the archive itself rather than through ``np.load``: every member's .npy
header is read and checked against the configuration before any of its data is, so a
damaged or hostile file (truncated, a header declaring a huge shape, an object dtype, a
member lying about its size) is refused with a ValueError naming the file instead of raising
BadZipFile or allocating terabytes.
"""

from __future__ import annotations

import contextlib
import json
import math
import zipfile
import zlib
from pathlib import Path

import numpy as np

from deltagrad._files import atomic_path

__all__ = ["FORMAT", "FORMAT_VERSION", "save", "load"]

FORMAT = "deltagrad.NeuralNetwork"
FORMAT_VERSION = 1


def save(path, config: dict, weights, biases) -> Path:
    """Write ``config`` (JSON-able) and the layers' ``weights``/``biases`` to ``path``
    (exactly that name, written whole) as ``.npz``: arrays ``W0, b0, ...`` and ``config``."""
    arrays = {"config": np.array(json.dumps(config))}
    for i, (W, b) in enumerate(zip(weights, biases)):
        arrays[f"W{i}"], arrays[f"b{i}"] = W, b
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]  # the stub reads **arrays as allow_pickle
    return path


def load(path, *, check_activation, check_loss, build):
    """The network in the file at ``path``, or ValueError naming the file and the problem.

    ``check_activation(name)`` and ``check_loss(name)`` raise ValueError for a name the
    network does not know; they are applied to the configuration before any array is read.
    ``build(loss, layers)`` makes the network, where ``layers`` yields ``(n_input, n_neurons,
    activation, weights, bias)`` per layer, each layer's arrays read and checked (shape,
    dtype, size) only when it is reached; a ValueError from ``build`` is reported as the
    file's problem.
    """
    path = Path(path)
    with _open_model_file(path) as archive:
        try:
            return _network_from_archive(archive, check_activation, check_loss, build)
        except ValueError as err:
            raise ValueError(f"{path}: not a valid deltagrad network: {err}") from None
        except _ARCHIVE_ERRORS as err:
            raise ValueError(f"{path}: damaged .npz archive ({_one_line(err)})") from None


_NPY_MAGIC = b"\x93NUMPY"
_MAX_CONFIG_CHARS = 1 << 20  # the JSON configuration: ~15,000 layers
_MAX_PARAMETERS = 1 << 28  # 2 GiB of float64: far beyond any network deltagrad trains
_MAX_HEADER = 10_000  # numpy's own default limit for a .npy header
# What zipfile and its decompressors raise for a damaged archive or member.
_ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
)


def _one_line(err) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 200 else text[:197] + "..."


@contextlib.contextmanager
def _open_model_file(path: Path):
    """The zip archive at ``path``; ValueError naming the file for anything that is not one."""
    if not path.exists():
        raise ValueError(f"{path}: no such file")
    if not path.is_file():
        raise ValueError(f"{path}: not a file")
    try:
        f = open(path, "rb")
    except OSError as err:
        raise ValueError(f"{path}: cannot be read ({_one_line(err)})") from None
    with f:
        try:
            start = f.read(len(_NPY_MAGIC))
            f.seek(0)
        except OSError as err:
            raise ValueError(f"{path}: cannot be read ({_one_line(err)})") from None
        if start == _NPY_MAGIC:
            raise ValueError(f"{path}: not a .npz archive (it holds a single .npy array)")
        try:
            archive = zipfile.ZipFile(f)
        except _ARCHIVE_ERRORS + (ValueError,) as err:
            what = (
                f"a truncated or damaged zip archive: {_one_line(err)}"
                if start.startswith(b"PK")
                else "not a zip archive"
            )
            raise ValueError(
                f"{path}: not a .npz file written by NeuralNetwork.save ({what})"
            ) from None
        with archive:
            yield archive


def _members(archive: zipfile.ZipFile) -> dict:
    """{array name: ZipInfo} for the archive's ``NAME.npy`` members."""
    members = {}
    for info in archive.infolist():
        name = info.filename
        if not name.endswith(".npy") or name[:-4] in members:
            what = "a repeated member" if name[:-4] in members else "a member that is not .npy"
            raise ValueError(f"{what}: {name!r}")
        members[name[:-4]] = info
    return members


def _read_header(f, what: str):
    """(shape, fortran_order, dtype) from the .npy header at the start of ``f``, which is
    left at the first byte of the data."""
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(f, max_header_size=_MAX_HEADER)
        if version == (2, 0):
            return np.lib.format.read_array_header_2_0(f, max_header_size=_MAX_HEADER)
        raise ValueError(f"unsupported .npy format version {version[0]}.{version[1]}")
    except (ValueError, TypeError, SyntaxError) as err:
        raise ValueError(f"{what}: not a valid .npy array ({_one_line(err)})") from None


def _read_member(archive, info, what: str, shape: tuple, check_dtype) -> np.ndarray:
    """The member's array, read only after its header is checked: exactly ``shape``, a dtype
    that ``check_dtype`` accepts (it returns the problem, or None), and a stored size that is
    exactly the header plus the data."""
    with archive.open(info) as f:
        found, fortran, dtype = _read_header(f, what)
        if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
            raise ValueError(f"{what} has dtype {dtype} (pickled objects and records are refused)")
        problem = check_dtype(dtype)
        if problem:
            raise ValueError(f"{what} {problem}")
        if found != shape:
            raise ValueError(f"{what} must have shape {shape}, got {found}")
        nbytes = math.prod(shape) * dtype.itemsize
        stored = info.file_size - f.tell()
        if stored != nbytes:
            raise ValueError(
                f"{what}: the archive holds {stored} bytes of data where shape "
                f"{shape} of {dtype} needs {nbytes}"
            )
        data = f.read(nbytes)
        if len(data) != nbytes or f.read(1):  # reading to the end also checks the CRC
            raise ValueError(f"{what}: the archive member is not as long as it says")
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape[::-1]).T if fortran else array.reshape(shape)


def _float_dtype(dtype):
    return None if dtype.kind == "f" else f"must be floating point, got dtype {dtype}"


def _string_dtype(dtype):
    if dtype.kind != "U":
        return f"must be a JSON string, got dtype {dtype}"
    if dtype.itemsize // 4 > _MAX_CONFIG_CHARS:
        return f"is longer than {_MAX_CONFIG_CHARS} characters"
    return None


def _network_from_archive(archive: zipfile.ZipFile, check_activation, check_loss, build):
    members = _members(archive)
    if "config" not in members:
        raise ValueError("missing 'config'")
    text = _read_member(archive, members["config"], "'config'", (), _string_dtype)
    config = _read_config(text.item(), check_loss)
    shapes = _layer_shapes(config["layers"], check_activation)
    for i in range(len(shapes)):
        for key in (f"W{i}", f"b{i}"):
            if key not in members:
                raise ValueError(f"missing array {key!r}")
    expected = {f"{p}{i}" for p in "Wb" for i in range(len(shapes))}
    extra = sorted(set(members) - {"config"} - expected)
    if extra:
        raise ValueError(f"unexpected arrays {extra}")

    def layers():  # each layer's arrays are read only when ``build`` asks for that layer
        for i, (spec, (n_input, n_neurons)) in enumerate(zip(config["layers"], shapes)):
            weights = _read_member(
                archive, members[f"W{i}"], f"layer {i}: weights", (n_input, n_neurons), _float_dtype
            )
            bias = _read_member(
                archive, members[f"b{i}"], f"layer {i}: bias", (n_neurons,), _float_dtype
            )
            yield n_input, n_neurons, spec["activation"], weights, bias

    return build(config["loss"], layers())


def _layer_shapes(layers: list, check_activation) -> list[tuple[int, int]]:
    """(n_input, n_neurons) of every layer described in the configuration, checked: positive
    integers, each layer taking the previous one's outputs, a known activation, and not more
    than _MAX_PARAMETERS parameters in all."""
    shapes: list[tuple[int, int]] = []
    total = 0
    for i, spec in enumerate(layers):
        try:
            n_input, n_neurons = spec["n_input"], spec["n_neurons"]
            activation = spec["activation"]
        except KeyError:
            raise ValueError(f"layer {i}: bad description {spec!r}") from None
        for value in (n_input, n_neurons):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"layer {i}: bad description {spec!r} (sizes must be positive integers)"
                )
        try:
            check_activation(activation)
        except ValueError as err:
            raise ValueError(f"layer {i}: {err}") from None
        if shapes and n_input != shapes[-1][1]:
            raise ValueError(
                f"layer {i} takes {n_input} inputs but the previous layer has "
                f"{shapes[-1][1]} outputs"
            )
        total += n_input * n_neurons + n_neurons
        if total > _MAX_PARAMETERS:
            raise ValueError(
                f"the configuration declares more than {_MAX_PARAMETERS} "
                f"parameters (layer {i} is {n_input} x {n_neurons})"
            )
        shapes.append((n_input, n_neurons))
    return shapes


def _read_config(text: str, check_loss) -> dict:
    try:
        config = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ValueError("'config' is not valid JSON") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"'config' does not describe a {FORMAT}")
    if config.get("version") != FORMAT_VERSION:
        raise ValueError(f"unsupported format version {config.get('version')!r}")
    layers = config.get("layers")
    if not isinstance(layers, list) or not layers or not all(isinstance(s, dict) for s in layers):
        raise ValueError("'config' has no list of layers")
    check_loss(config.get("loss"))
    return config
