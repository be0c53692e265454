"""Benchmark: how long load_mnist takes (decompress, verify checksums, convert). Prints figures."""
import statistics
import time

from autograder.student.data import load_mnist


def main(repeats: int = 5) -> None:
    """Time several full loads and print the median and best, in seconds."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        load_mnist(download=False)
        times.append(time.perf_counter() - t)
    print(f"load_mnist (70,000 images, checksums verified): median {statistics.median(times):.3f} s, "
          f"best {min(times):.3f} s over {repeats} runs")


if __name__ == "__main__":
    main()
