"""Reads the Fashion-MNIST subset (IDX files, gzip) as deltac does: pixels / 255, int labels."""
import gzip
import os

import numpy as np

SUBSET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fashion-mnist", "subset")


def load(prefix):
    with gzip.open(os.path.join(SUBSET, prefix + "-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    with gzip.open(os.path.join(SUBSET, prefix + "-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return images.reshape(len(labels), 784).astype(np.float32) / 255.0, labels.astype(np.int64)
