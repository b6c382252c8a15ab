#!/usr/bin/env python3
"""By-hand ViT-B parity check of the Swift SAM against the official `segment_anything` (too
big for CI). Needs: pip install torch torchvision segment-anything.

1. Random-initialises `sam_model_registry["vit_b"]()` with a fixed seed (plus small noise on
   every tensor, so zero-initialised tables and embeddings matter) and saves its state dict
   with torch.save, exactly like an official checkpoint.
2. Runs the official SamPredictor on the fixture image with a box and with box + points.
3. Runs `ultrarefiner sam --model vit_b` on the same inputs and prints max |diff| per output.

Usage: python3 tools/sam_vitb_check.py [--binary .build/release/ultrarefiner]
           [--image ../shared/fixtures/sam_tiny/image.png] [--work /tmp/sam_vitb_check]
"""
import argparse
import os
import subprocess

import numpy as np
import torch
from PIL import Image
from segment_anything import SamPredictor, sam_model_registry

CASES = {
    "box": dict(box=[88, 86, 293, 224], points=[]),
    "box_points": dict(box=[88, 86, 293, 224], points=[(190, 155, 1), (335, 70, 0)]),
}


def main():
    parser = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--binary", default=os.path.join(root, ".build/release/ultrarefiner"))
    parser.add_argument("--image", default=os.path.join(root, "../shared/fixtures/sam_tiny/image.png"))
    parser.add_argument("--work", default="/tmp/sam_vitb_check")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(2)

    torch.manual_seed(args.seed)
    sam = sam_model_registry["vit_b"]().eval()
    with torch.no_grad():
        for tensor in sam.state_dict().values():
            if tensor.is_floating_point():
                tensor.add_(0.02 * torch.randn_like(tensor))
    checkpoint = os.path.join(args.work, "sam_vit_b_random.pth")
    torch.save(sam.state_dict(), checkpoint)

    gray = np.array(Image.open(args.image).convert("L"))
    predictor = SamPredictor(sam)
    with torch.no_grad():
        predictor.set_image(np.stack([gray] * 3, -1))

    for name, case in CASES.items():
        points = np.array([p[:2] for p in case["points"]], dtype=np.float64) if case["points"] else None
        labels = np.array([p[2] for p in case["points"]]) if case["points"] else None
        with torch.no_grad():
            masks, iou, low = predictor.predict(point_coords=points, point_labels=labels,
                                                box=np.array(case["box"], dtype=np.float64),
                                                multimask_output=True, return_logits=True)
        out = os.path.join(args.work, name)
        command = [args.binary, "sam", "--checkpoint", checkpoint, "--model", "vit_b", "--image", args.image,
                   "--box", ",".join(str(v) for v in case["box"]), "--out", out]
        for x, y, label in case["points"]:
            command += ["--point", f"{x},{y},{label}"]
        subprocess.run(command, check=True)
        ours = {k: np.load(os.path.join(out, f"{k}.npy")) for k in ("masks", "iou", "low_res")}
        print(f"vit_b {name}: low_res max|Δ| {np.abs(ours['low_res'] - low).max():.3e}, "
              f"iou {np.abs(ours['iou'] - iou).max():.3e}, masks {np.abs(ours['masks'] - masks).max():.3e} "
              f"(max |ref| low_res {np.abs(low).max():.3f})")


if __name__ == "__main__":
    main()
