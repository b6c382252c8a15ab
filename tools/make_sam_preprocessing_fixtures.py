#!/usr/bin/env python3
"""Reference encoder inputs for SAM's preprocessing on a small image (64² model frame).

Writes Tests/Fixtures/sam/: image.png (30×41 grayscale, seeded) and the (1,3,64,64) float32
encoder inputs of
  * predictor.npy: segment_anything's own ResizeLongestSide(64) (PIL uint8 bilinear) and
    Sam.preprocess (normalise, then zero-pad);
  * square_sam.npy / square_minmax.npy: F.interpolate to 64² (bilinear, align_corners=False),
    repeat to 3 channels, then (x-mean)/std or MedSAM's min-max.
Needs torch, torchvision, segment-anything, Pillow. Run from the repository root.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from segment_anything.modeling import Sam
from segment_anything.utils.transforms import ResizeLongestSide

OUT = "Tests/Fixtures/sam"
SIDE = 64
MEAN = torch.tensor([123.675, 116.28, 103.53]).view(-1, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(-1, 1, 1)

os.makedirs(OUT, exist_ok=True)
rng = np.random.RandomState(7)
yy, xx = np.mgrid[0:30, 0:41]
gray = np.clip(80 + 2.5 * xx + 40 * np.sin(yy / 4.0) + rng.normal(0, 20, (30, 41)), 0, 255).round().astype(np.uint8)
Image.fromarray(gray, mode="L").save(os.path.join(OUT, "image.png"))

# Predictor path: the official transform and Sam.preprocess (only its pixel statistics are used).
rgb = np.stack([gray] * 3, -1)
resized = ResizeLongestSide(SIDE).apply_image(rgb)
x = torch.as_tensor(resized).permute(2, 0, 1).contiguous()[None].float()
sam = Sam.__new__(Sam)
torch.nn.Module.__init__(sam)
sam.register_buffer("pixel_mean", MEAN, False)
sam.register_buffer("pixel_std", STD, False)
sam.image_encoder = type("E", (), {"img_size": SIDE})()
np.save(os.path.join(OUT, "predictor.npy"), sam.preprocess(x).numpy().astype(np.float32))

# Square path (fixture README steps 1-4).
g = torch.as_tensor(gray.astype(np.float32))[None, None]
g = F.interpolate(g, (SIDE, SIDE), mode="bilinear", align_corners=False).repeat(1, 3, 1, 1)
np.save(os.path.join(OUT, "square_sam.npy"), ((g - MEAN) / STD).numpy().astype(np.float32))
minmax = (g - g.min()) / torch.clamp(g.max() - g.min(), min=1e-8)
np.save(os.path.join(OUT, "square_minmax.npy"), minmax.numpy().astype(np.float32))
print("wrote", sorted(os.listdir(OUT)))
