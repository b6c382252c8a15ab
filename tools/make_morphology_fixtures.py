"""Reference distance transforms and component counts for the Swift morphology tests.

scipy.ndimage is the independent implementation: `distance_transform_edt` (exact Euclidean
distance to the nearest zero) and `label` with the 4- and 8-connected structures.
Signed distance convention of SignedDistance.swift: distance to the other class minus half
a pixel, negative inside.
Run by hand: python3 tools/make_morphology_fixtures.py  (writes Tests/Fixtures/morphology/)
"""
import json
import os
import numpy as np
from scipy import ndimage

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "morphology")
os.makedirs(OUT, exist_ok=True)
rng = np.random.RandomState(5)

# Smoothed noise thresholded: blob-like lesions with holes, several components, thin parts.
noise = ndimage.gaussian_filter(rng.standard_normal((48, 64)), 2.5)
mask = (noise > 0.08).astype(np.uint8)

inside = ndimage.distance_transform_edt(mask != 0)   # to the nearest background pixel
outside = ndimage.distance_transform_edt(mask == 0)  # to the nearest foreground pixel
sdf = np.where(mask != 0, 0.5 - inside, outside - 0.5).astype(np.float32)

np.save(os.path.join(OUT, "blobs_mask.npy"), mask)
np.save(os.path.join(OUT, "blobs_sdf.npy"), sdf)
counts = {
    "four": int(ndimage.label(mask, ndimage.generate_binary_structure(2, 1))[1]),
    "eight": int(ndimage.label(mask, ndimage.generate_binary_structure(2, 2))[1]),
}
with open(os.path.join(OUT, "blobs_components.json"), "w") as f:
    json.dump(counts, f, indent=1, sort_keys=True)
print(counts, int(mask.sum()), "foreground pixels")
