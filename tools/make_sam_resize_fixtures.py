#!/usr/bin/env python3
"""Reference for loading SAM weights at another input size (e.g. 1024 → 512 CPU presets).

Writes Tests/Fixtures/sam/resize.npz with a random (1,8,8,4) `pos_embed` and (15,2) global
rel-pos table, and their resampling to a 4×4 grid the way SAM fine-tuning code does it:
pos_embed with F.interpolate(bilinear, align_corners=False) over the grid, the rel-pos table
with F.interpolate(mode="linear") exactly as segment_anything's get_rel_pos resizes it.
Run from the repository root; needs torch.
"""
import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(3)
pos = torch.randn(1, 8, 8, 4)
rel = torch.randn(15, 2)
pos_small = F.interpolate(pos.permute(0, 3, 1, 2), size=(4, 4), mode="bilinear", align_corners=False).permute(0, 2, 3, 1)
rel_small = F.interpolate(rel.reshape(1, 15, -1).permute(0, 2, 1), size=7, mode="linear").reshape(-1, 7).permute(1, 0)
np.savez("Tests/Fixtures/sam/resize.npz", pos_embed=pos.numpy(), rel_pos=rel.numpy(),
         pos_embed_4=pos_small.contiguous().numpy(), rel_pos_4=rel_small.contiguous().numpy())
print("wrote Tests/Fixtures/sam/resize.npz")
