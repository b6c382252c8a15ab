"""Reference resizes by OpenCV's INTER_AREA for the Swift `AreaResample` tests.

Run by hand (needs numpy and opencv-python-headless==5.0.0.93, the version the LiteMedSAM
reference fixtures were made with): python3 tools/make_area_resize_fixtures.py
Writes Tests/Fixtures/area/<case>_in.npy (H,W) or (H,W,C) uint8 and <case>_out.npy.
"""
import os
import cv2
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "area")
os.makedirs(OUT, exist_ok=True)
rng = np.random.RandomState(11)

# (input H, W, channels) -> (output H, W); one or more per OpenCV code path.
cases = {
    "gray_down_fraction": ((37, 53, 1), (13, 19)),   # fractional shrink: overlap-weighted means
    "rgb_down_fraction": ((50, 70, 3), (21, 29)),
    "gray_width_only": ((40, 30, 1), (40, 17)),      # one axis unchanged, still the fractional path
    "gray_down_by2": ((40, 60, 1), (20, 30)),        # whole 2x2 blocks: (sum + 2) >> 2
    "gray_down_by3x2": ((45, 40, 1), (15, 20)),      # whole 2-across 3-down blocks: sum / 6, half to even
    "two_channel_down_by2": ((20, 30, 2), (10, 15)), # 2 channels: no 2x2 shortcut, sum / 4, half to even
    "gray_near_integer": ((49, 98, 1), (1, 2)),      # 1 / (1/49) is not exactly 49: the fractional path, 49-cell spans
    "gray_up": ((13, 17, 1), (40, 58)),              # growing: fixed-point two-tap filter
    "rgb_up": ((9, 11, 3), (25, 31)),
    "gray_up_by2": ((12, 15, 1), (24, 30)),
    "gray_mixed": ((30, 10, 1), (20, 25)),           # rows shrink, columns grow: the growing path
}
for name, ((h, w, c), (oh, ow)) in cases.items():
    yy, xx = np.mgrid[0:h, 0:w]
    base = 128 + 90 * np.sin(xx / 3.0) * np.cos(yy / 4.0)
    base = np.repeat(base[..., None], c, -1) + 40 * np.arange(c)
    img = np.clip(base + rng.normal(0, 30, base.shape), 0, 255).astype(np.uint8)
    if c == 1:
        img = img[..., 0]
    out = cv2.resize(img, (ow, oh), interpolation=cv2.INTER_AREA)
    np.save(os.path.join(OUT, f"{name}_in.npy"), img)
    np.save(os.path.join(OUT, f"{name}_out.npy"), out)
    print(name, img.shape, "->", out.shape)
