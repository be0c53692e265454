"""MNIST loader: the bundled IDX files, checksum-verified, as the classic 50k/10k/10k split."""
from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .settings import course_root

# SHA-256 of the *decompressed* IDX bytes: identical for every correct copy, whichever mirror
# (and whichever gzip level) it came from. data/mnist/SHA256SUMS lists the same values.
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
N_TRAIN = 50_000  # the classic mnist.pkl.gz split: first 50k train, last 10k validation


class MnistDataError(RuntimeError):
    """A data file is missing, corrupt or truncated; the message names it and the fix."""


@dataclass(frozen=True)
class Mnist:
    """The classic split: images float32 in [0, 1] shaped (n, 784), labels int64."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_valid: torch.Tensor
    y_valid: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def default_data_dir() -> Path:
    """Where the course keeps MNIST: $MNIST_DIR, else the repository's data/mnist."""
    env = os.environ.get("MNIST_DIR")
    return Path(env) if env else course_root() / "data" / "mnist"


def _fix_hint(path: Path) -> str:
    """What to do about a bad file: restore it from git, or delete it so it is re-downloaded."""
    return (f"Restore it with `git checkout -- {path.parent.name}/{path.name}` in data/, "
            f"or delete {path} and run again to download a fresh copy.")


def read_idx_gz(path: Path, name: str) -> bytes:
    """Decompress one IDX file and verify its SHA-256, so a bad file never trains silently."""
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as e:
        raise MnistDataError(
            f"{path} is not a complete gzip file ({type(e).__name__}: {e}); it is corrupt or "
            f"truncated. {_fix_hint(path)}") from None
    got = hashlib.sha256(raw).hexdigest()
    expected = MNIST_SHA256[name]
    if got != expected:
        raise MnistDataError(
            f"{path} is corrupt: expected SHA-256 {expected} of the decompressed bytes, "
            f"got {got}. {_fix_hint(path)}")
    return raw


def parse_idx(raw: bytes, name: str) -> torch.Tensor:
    """Turn IDX bytes (big-endian header, uint8 payload) into a uint8 tensor of the stated shape."""
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if raw[2] != 0x08 or len(raw) != 4 + 4 * ndim + int(np.prod(dims)):
        raise MnistDataError(f"{name} does not have a valid uint8 IDX header for shape {dims}.")
    return torch.frombuffer(bytearray(raw), dtype=torch.uint8, offset=4 + 4 * ndim).reshape(dims)


def download_idx(name: str, dest: Path, mirrors: tuple[str, ...] | None = None) -> None:
    """Fetch a missing file from the public mirrors; keep it only if its checksum is right."""
    mirrors = MIRRORS if mirrors is None else mirrors
    dest.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for mirror in mirrors:
        url = f"{mirror}{name}.gz"
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                data = r.read()
            with tempfile.NamedTemporaryFile(dir=dest.parent, delete=False, suffix=".part") as f:
                f.write(data)
            tmp = Path(f.name)
            try:
                read_idx_gz(tmp, name)
            except MnistDataError as e:
                tmp.unlink()
                errors.append(f"{url}: checksum mismatch ({e})")
                continue
            tmp.replace(dest)
            return
        except OSError as e:
            errors.append(f"{url}: {e}")
    raise MnistDataError(
        f"{dest} is missing and could not be downloaded:\n  " + "\n  ".join(errors)
        + f"\nCopy the four MNIST .gz files into {dest.parent} (or set MNIST_DIR) and run again.")


def load_idx(name: str, data_dir: Path, allow_download: bool) -> torch.Tensor:
    """One verified IDX array, downloading it first if it is missing and that is allowed."""
    path = data_dir / f"{name}.gz"
    if not path.exists():
        if not allow_download:
            raise MnistDataError(
                f"{path} is missing. Run `git checkout -- data/mnist` to restore the bundled copy, "
                f"or call load_mnist(download=True) to fetch it from the public mirrors.")
        download_idx(name, path)
    return parse_idx(read_idx_gz(path, name), name)


def load_mnist(data_dir: str | Path | None = None, download: bool = True) -> Mnist:
    """Load MNIST as the classic 50k/10k/10k split of float32 images in [0, 1] and int64 labels."""
    d = Path(data_dir) if data_dir is not None else default_data_dir()
    with ThreadPoolExecutor(max_workers=4) as pool:  # zlib and hashlib release the GIL
        arrays = dict(zip(MNIST_SHA256, pool.map(lambda n: load_idx(n, d, download), MNIST_SHA256)))

    def images(n: str) -> torch.Tensor:
        return arrays[n].reshape(len(arrays[n]), -1).float().div_(255.0)

    def labels(n: str) -> torch.Tensor:
        return arrays[n].long()

    x, y = images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte")
    return Mnist(x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:],
                 images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte"))
