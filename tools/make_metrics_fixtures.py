"""Reference segmentation metrics for the Swift `SegmentationMetrics` tests.

An independent implementation with scipy, following medpy's definitions (surface = mask XOR
its erosion by the 4-connected cross with a background border; exact EDT; hd95 = 95th
percentile of both directed distance sets pooled; asd = mean prediction->truth distance;
assd = mean of both asd) and the convention table in SegmentationMetrics.swift for empty masks.
Run by hand: python3 tools/make_metrics_fixtures.py  (writes Tests/Fixtures/metrics/cases.json)
"""
import json
import os
import numpy as np
from scipy import ndimage

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "metrics")
os.makedirs(OUT, exist_ok=True)
rng = np.random.RandomState(11)
CROSS = ndimage.generate_binary_structure(2, 1)


def surface(m):
    return m & ~ndimage.binary_erosion(m, structure=CROSS, iterations=1, border_value=0)


def directed(a, b, spacing):
    dist = ndimage.distance_transform_edt(~surface(b), sampling=spacing)
    return dist[surface(a)]


def metrics(pred, gt, spacing, tol):
    tp = int((pred & gt).sum()); fp = int((pred & ~gt).sum()); fn = int((~pred & gt).sum())
    n = pred.size
    out = {
        "dice": 1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn),
        "iou": 1.0 if tp + fp + fn == 0 else tp / (tp + fp + fn),
        "precision": 1.0 if tp + fp == 0 else tp / (tp + fp),
        "recall": 1.0 if tp + fn == 0 else tp / (tp + fn),
        "accuracy": (n - fp - fn) / n,
    }
    pe, ge = not pred.any(), not gt.any()
    if pe and ge:
        out.update(hd95=0.0, asd=0.0, assd=0.0, nsd=1.0)
    elif pe or ge:
        out.update(hd95=None, asd=None, assd=None, nsd=0.0)
    else:
        f = directed(pred, gt, spacing); b = directed(gt, pred, spacing)
        out["hd95"] = float(np.percentile(np.hstack((f, b)), 95))
        out["asd"] = float(f.mean())
        out["assd"] = float((f.mean() + b.mean()) / 2)
        out["nsd"] = float(((f <= tol).sum() + (b <= tol).sum()) / (len(f) + len(b)))
    return out


def ellipse(h, w, cy, cx, ry, rx, angle=0.0, wobble=0.0, seed=0):
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    c, s = np.cos(angle), np.sin(angle)
    u = ((xx - cx) * c + (yy - cy) * s) / rx
    v = (-(xx - cx) * s + (yy - cy) * c) / ry
    r = np.sqrt(u * u + v * v)
    theta = np.arctan2(v, u)
    r_lim = 1 + wobble * np.sin(3 * theta + seed) + 0.5 * wobble * np.cos(5 * theta - seed)
    return r <= r_lim


cases = []


def add(name, pred, gt, spacing=1.0, tol=2.0):
    pred = pred.astype(bool); gt = gt.astype(bool)
    cases.append({
        "name": name, "height": pred.shape[0], "width": pred.shape[1],
        "spacing": spacing, "tolerance": tol,
        "prediction": "".join("1" if v else "0" for v in pred.ravel()),
        "ground_truth": "".join("1" if v else "0" for v in gt.ravel()),
        "expected": metrics(pred, gt, spacing, tol),
    })


H, W = 48, 64
for i in range(6):
    gt = ellipse(H, W, rng.uniform(15, 33), rng.uniform(15, 49), rng.uniform(6, 14), rng.uniform(6, 20),
                 rng.uniform(0, 3), rng.uniform(0, 0.25), i)
    pred = ellipse(H, W, rng.uniform(15, 33), rng.uniform(15, 49), rng.uniform(6, 14), rng.uniform(6, 20),
                   rng.uniform(0, 3), rng.uniform(0, 0.25), i + 7)
    pred |= rng.rand(H, W) < 0.01  # scattered false positives: far surface pixels matter for hd95
    add(f"random_{i}", pred, gt, spacing=[1.0, 0.5, 0.7, 1.0, 2.0, 1.0][i], tol=[2.0, 1.0, 3.0, 0.0, 4.0, 1.5][i])
full = np.ones((H, W), bool)
empty = np.zeros((H, W), bool)
blob = ellipse(H, W, 24, 32, 10, 14)
add("identical", blob, blob)
add("both_empty", empty, empty)
add("prediction_empty", empty, blob)
add("truth_empty", blob, empty)
add("touches_image_edge", ellipse(H, W, 2, 5, 9, 12), ellipse(H, W, 0, 3, 10, 10))
add("full_vs_blob", full, blob)
px = np.zeros((H, W), bool); px[10, 10] = True
px2 = np.zeros((H, W), bool); px2[40, 50] = True
add("single_pixels", px, px2)
add("nested", ellipse(H, W, 24, 32, 5, 6), blob, tol=3.0)

with open(os.path.join(OUT, "cases.json"), "w") as f:
    json.dump(cases, f)
print(len(cases), "cases", os.path.getsize(os.path.join(OUT, "cases.json")), "bytes")
