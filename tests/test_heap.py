"""The CLI keeps freed memory for reuse (heap.py): big arrays made and dropped frame after frame
stop faulting in fresh pages, and the float -> uint8 conversion that ends every frame is exact."""

import subprocess
import sys

import numpy as np
import pytest

from vae_transition import tensors

CHURN = """
import resource, sys, threading
import numpy as np
from vae_transition.heap import keep_freed_memory
took = keep_freed_memory() if sys.argv[1] == "keep" else None

def frames():  # a frame's few full-size arrays, alive together, freed together, 20 times
    for _ in range(20):
        a = np.ones((768, 1280, 3), np.float32)
        b, c = a * 2, np.ones((768, 1280), np.float32)
        d = a + b
        del a, b, c, d

before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
worker = threading.Thread(target=frames)  # as the morph composes frames: in a thread
worker.start()
worker.join()
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

def _faults(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", CHURN, mode], capture_output=True, text=True,
                         check=True).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_frames_are_reused_not_faulted_in_again():
    took, kept = _faults("keep")
    _, plain = _faults("plain")
    assert took == "True"
    assert plain > 20 * 1000  # a 12 MB array: ~2,900 fresh pages, most frames
    assert kept < plain / 10


def test_to_uint8_is_the_rounded_clipped_value():
    rng = np.random.default_rng(0)
    img = rng.uniform(-0.2, 1.2, (37, 53, 3)).astype(np.float32)
    img[0, :6, 0] = (np.arange(6) + 0.5) / 255  # ties round to even, as np.rint
    want = np.clip(np.rint(img * np.float32(255)), 0, 255).astype(np.uint8)  # the numpy form
    assert np.array_equal(tensors.to_uint8(img), want)
    assert np.array_equal(tensors.to_uint8(img[:, ::2]), want[:, ::2])  # not contiguous
    wide = img.astype(np.float64)
    assert np.array_equal(tensors.to_uint8(wide), np.clip(np.rint(wide * 255), 0, 255))
    assert tensors.to_uint8(img).shape == img.shape
