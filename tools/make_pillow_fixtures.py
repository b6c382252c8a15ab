"""Reference resizes by Pillow's BILINEAR filter for the Swift `PillowResample` tests.

Run by hand (needs numpy and Pillow): python3 tools/make_pillow_fixtures.py
Writes Tests/Fixtures/pillow/<case>_in.npy (H,W) or (H,W,3) uint8 and <case>_out.npy.
"""
import os
import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "pillow")
os.makedirs(OUT, exist_ok=True)
rng = np.random.RandomState(7)

cases = {
    "gray_up": ((37, 53), (80, 121)),        # upscale, both axes
    "gray_down": ((64, 90), (23, 17)),       # strong downscale: antialiasing support > 1
    "gray_mixed": ((40, 30), (25, 71)),      # down in one axis, up in the other (vertical pass first)
    "gray_width_only": ((20, 33), (20, 50)), # height unchanged: the vertical pass is skipped
    "rgb_down": ((45, 61), (30, 20)),
    "gray_tall_down": ((90, 30), (20, 25)),   # height shrinks >2x more pixels than width: Pillow 13 runs vertical first
}
for name, ((h, w), (oh, ow)) in cases.items():
    shape = (h, w, 3) if name.startswith("rgb") else (h, w)
    # Smooth structure plus noise, so both flat areas and edges are exercised.
    yy, xx = np.mgrid[0:h, 0:w]
    base = 128 + 90 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    if len(shape) == 3:
        base = np.stack([base, 255 - base, base / 2], -1)
    img = np.clip(base + rng.normal(0, 25, shape), 0, 255).astype(np.uint8)
    out = np.asarray(Image.fromarray(img).resize((ow, oh), Image.BILINEAR))
    np.save(os.path.join(OUT, f"{name}_in.npy"), img)
    np.save(os.path.join(OUT, f"{name}_out.npy"), out)
    print(name, img.shape, "->", out.shape)
