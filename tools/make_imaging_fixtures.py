#!/usr/bin/env python3
"""Reference outputs for the Imaging tests: resizes computed by PyTorch itself and the two
pixel normalisations transcribed in numpy from SAM's and MedSAM's preprocessing code.

Run from the repository root (PyTorch on the path, e.g. `pip install torch`):
    python3 tools/make_imaging_fixtures.py
Writes small .npy files into Tests/Fixtures/imaging/ (all float32 unless noted):
    resize_<case>_input.npy               C x H x W source, seeded uniform values in [0, 255)
    resize_<case>_bilinear_ac0.npy        F.interpolate(mode="bilinear", align_corners=False)
    resize_<case>_bilinear_ac1.npy        F.interpolate(mode="bilinear", align_corners=True)
    resize_<case>_nearest.npy             F.interpolate(mode="nearest")
    mask_nearest_input.npy / _output.npy  uint8 0/255 mask, nearest, 10x14 -> 23x9
    normalize_input.npy                   3 x 6 x 5 RGB values in [0, 255]
    normalize_sam.npy                     (x - pixel_mean) / pixel_std per plane
    normalize_minmax.npy                  (x - min) / max(max - min, 1e-8) over the image
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "imaging")

# (name, channels, input H x W, output H x W): up- and down-sampling, odd ratios, the
# 224 -> 1024-like ratio on small arrays, an exact 2x (PyTorch's nearest special case) and 4x.
RESIZE_CASES = [
    ("7x5_to_13x11", 2, (7, 5), (13, 11)),
    ("13x11_to_4x6", 2, (13, 11), (4, 6)),
    ("30x42_to_73x102", 1, (30, 42), (73, 102)),
    ("73x102_to_30x42", 1, (73, 102), (30, 42)),
    ("5x6_to_10x12", 3, (5, 6), (10, 12)),
    ("16x16_to_64x64", 1, (16, 16), (64, 64)),
]


def save(name, array):
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(array))


def resize_fixtures(rng):
    for name, channels, (ih, iw), (oh, ow) in RESIZE_CASES:
        source = (rng.random((channels, ih, iw)) * 255).astype(np.float32)
        x = torch.from_numpy(source)[None]
        save(f"resize_{name}_input", source)
        for align, suffix in ((False, "ac0"), (True, "ac1")):
            y = F.interpolate(x, size=(oh, ow), mode="bilinear", align_corners=align)
            save(f"resize_{name}_bilinear_{suffix}", y[0].numpy())
        y = F.interpolate(x, size=(oh, ow), mode="nearest")
        save(f"resize_{name}_nearest", y[0].numpy())


def mask_fixture(rng):
    mask = np.where(rng.random((1, 10, 14)) > 0.5, 255, 0).astype(np.uint8)
    y = F.interpolate(torch.from_numpy(mask)[None], size=(23, 9), mode="nearest")
    save("mask_nearest_input", mask)
    save("mask_nearest_output", y[0].numpy().astype(np.uint8))


def normalize_fixtures(rng):
    image = rng.integers(0, 256, size=(3, 6, 5)).astype(np.float32)
    # segment_anything/modeling/sam.py: pixel_mean / pixel_std on 0..255 values.
    mean = np.array([123.675, 116.28, 103.53], dtype=np.float32)[:, None, None]
    std = np.array([58.395, 57.12, 57.375], dtype=np.float32)[:, None, None]
    save("normalize_input", image)
    save("normalize_sam", ((image - mean) / std).astype(np.float32))
    # MedSAM's inference preprocessing: min-max over the whole image, clipped denominator.
    low, high = image.min(), image.max()
    save("normalize_minmax", ((image - low) / np.clip(high - low, 1e-8, None)).astype(np.float32))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261124)
    resize_fixtures(rng)
    mask_fixture(rng)
    normalize_fixtures(rng)


if __name__ == "__main__":
    main()
