"""Reference values for TransUNetPredictor's pre- and post-processing, from PyTorch.

  * image: a seeded 37x53 uint8 grayscale image; input_32 = F.interpolate(image as float,
    (32, 32), bilinear, align_corners=False) / 255, the model input at image size 32;
  * probability: a seeded 6x5 map in [0, 1]; mask_9x7 = (F.interpolate(probability, (9, 7),
    bilinear, align_corners=False) > 0.5) * 255 as uint8.
Writes Tests/Fixtures/transunet/predictor.npz.

    python3 tools/transunet/make_predictor_fixtures.py
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.RandomState(20)
image = rng.randint(0, 256, size=(37, 53)).astype(np.uint8)
x = torch.from_numpy(image.astype(np.float32))[None, None]
input_32 = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False) / 255
probability = rng.rand(6, 5).astype(np.float32)
p = F.interpolate(torch.from_numpy(probability)[None, None], size=(9, 7), mode="bilinear", align_corners=False)
mask = ((p[0, 0] > 0.5).numpy() * 255).astype(np.uint8)
out = os.path.join(os.path.dirname(__file__), "../../Tests/Fixtures/transunet")
os.makedirs(out, exist_ok=True)
np.savez(os.path.join(out, "predictor.npz"), image=image, input_32=input_32.numpy(),
         probability=probability, mask_9x7=mask)
