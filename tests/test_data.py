"""The MNIST loader: the classic split, exact checksums, and clear errors for bad files."""
import gzip
import shutil

import pytest
import torch

from autograder.student.data import MNIST_SHA256, MnistDataError, load_mnist

pytestmark = pytest.mark.data


def test_classic_split_shapes_and_dtypes(mnist):
    assert mnist.x_train.shape == (50_000, 784) and mnist.y_train.shape == (50_000,)
    assert mnist.x_valid.shape == (10_000, 784) and mnist.y_valid.shape == (10_000,)
    assert mnist.x_test.shape == (10_000, 784) and mnist.y_test.shape == (10_000,)
    assert mnist.x_train.dtype == torch.float32 and mnist.y_train.dtype == torch.int64
    assert 0.0 <= mnist.x_train.min() and mnist.x_train.max() <= 1.0


def test_known_labels_and_pixel_statistics(mnist):
    # The first training labels of MNIST are famous: 5 0 4 1 9 2 1 3 1 4.
    assert mnist.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert torch.bincount(mnist.y_test).tolist()[0] == 980  # 980 zeros in t10k
    assert abs(mnist.x_train.mean().item() - 0.1304) < 1e-3


def test_sha256sums_file_matches_loader():
    from autograder.student.data import default_data_dir
    listed = {}
    for line in (default_data_dir() / "SHA256SUMS").read_text().splitlines():
        if line and not line.startswith("#"):
            digest, name = line.split()
            listed[name] = digest
    assert listed == MNIST_SHA256


@pytest.fixture
def copy_of_data(tmp_path):
    """A private copy of data/mnist that a test may damage."""
    from autograder.student.data import default_data_dir
    dest = tmp_path / "mnist"
    shutil.copytree(default_data_dir(), dest)
    return dest


def test_corrupt_file_names_file_checksums_and_fix(copy_of_data):
    path = copy_of_data / "train-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[100] ^= 0xFF
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(MnistDataError) as e:
        load_mnist(copy_of_data, download=False)
    msg = str(e.value)
    assert "train-labels-idx1-ubyte.gz" in msg and MNIST_SHA256["train-labels-idx1-ubyte"] in msg
    assert "git checkout" in msg and "got" in msg


def test_truncated_file_is_reported(copy_of_data):
    path = copy_of_data / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(MnistDataError, match="t10k-images-idx3-ubyte.gz.*(corrupt|truncated)"):
        load_mnist(copy_of_data, download=False)


def test_missing_file_without_download_says_what_to_do(copy_of_data):
    (copy_of_data / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(MnistDataError, match="missing.*git checkout"):
        load_mnist(copy_of_data, download=False)


def test_missing_file_is_downloaded_from_a_mirror_and_verified(copy_of_data, tmp_path, monkeypatch):
    # A local "mirror" (a file:// URL) stands in for the internet: tests never download.
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    name = "t10k-labels-idx1-ubyte"
    shutil.move(copy_of_data / f"{name}.gz", mirror / f"{name}.gz")
    import autograder.student.data as data
    monkeypatch.setattr(data, "MIRRORS", (mirror.as_uri() + "/",))
    m = load_mnist(copy_of_data, download=True)
    assert (copy_of_data / f"{name}.gz").exists() and m.y_test.shape == (10_000,)


def test_bad_mirror_copy_is_rejected_and_not_kept(copy_of_data, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    name = "t10k-labels-idx1-ubyte"
    (copy_of_data / f"{name}.gz").unlink()
    (mirror / f"{name}.gz").write_bytes(gzip.compress(b"not mnist"))
    import autograder.student.data as data
    monkeypatch.setattr(data, "MIRRORS", (mirror.as_uri() + "/",))
    with pytest.raises(MnistDataError, match="could not be downloaded"):
        load_mnist(copy_of_data, download=True)
    assert sorted(p.name for p in copy_of_data.iterdir() if p.name.startswith(name)) == []
