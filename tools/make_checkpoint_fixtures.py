"""Writes the small PyTorch checkpoints the Swift `.pth`/safetensors tests read.

Run by hand (needs torch): python3 tools/make_checkpoint_fixtures.py
Values are simple formulas (arange-based) so the Swift tests recompute them independently.
"""
import collections
import os
import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "checkpoints")
os.makedirs(OUT, exist_ok=True)


def base_state_dict():
    sd = collections.OrderedDict()
    sd["conv.weight"] = torch.arange(2 * 3 * 3 * 3, dtype=torch.float32).reshape(2, 3, 3, 3) * 0.5 - 10
    sd["conv.bias"] = torch.tensor([0.25, -0.75])
    sd["bn.running_mean"] = torch.arange(4, dtype=torch.float32) / 8
    sd["bn.num_batches_tracked"] = torch.tensor(1234, dtype=torch.int64)
    sd["scalar"] = torch.tensor(3.5)
    return sd


def save(obj, name, **kw):
    torch.save(obj, os.path.join(OUT, name), **kw)


# 1. A plain state dict, as official checkpoints are saved.
save(base_state_dict(), "plain.pth")

# 2. Half and bfloat16 storages.
save({"half": (torch.arange(6, dtype=torch.float32) / 4 - 0.5).half().reshape(2, 3),
      "bf16": (torch.arange(6, dtype=torch.float32) * 1.5 - 3).bfloat16().reshape(3, 2)}, "lowprec.pth")

# 3. Views sharing one storage: transposed, sliced with an offset, and a tied copy.
w = torch.arange(24, dtype=torch.float32).reshape(4, 6)
save(collections.OrderedDict([("w", w), ("wt", w.t()), ("slice", w[1:3, 2:5]), ("tied", w)]), "views.pth")

# 4. A training checkpoint nesting the state dict beside non-tensor entries and a numpy scalar.
save({"model": base_state_dict(), "epoch": 7, "best_dice": np.float64(0.81),
      "optimizer": {"param_groups": [{"lr": 0.01, "momentum": 0.9}]}}, "nested.pth")

# 5. The legacy (pre-1.6) serialisation, which the reader must refuse clearly.
save(base_state_dict(), "legacy.pth", _use_new_zipfile_serialization=False)

for name in sorted(os.listdir(OUT)):
    print(name, os.path.getsize(os.path.join(OUT, name)))
