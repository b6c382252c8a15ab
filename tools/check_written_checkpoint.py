"""By-hand check that a `.pth` written by UltraRefiner loads with torch and equals a reference.

    python3 tools/check_written_checkpoint.py OURS.pth [REFERENCE.pth]

Loads OURS with `torch.load` (weights_only, as current PyTorch does by default), prints its
keys, shapes and dtypes, and, given a reference checkpoint, checks that keys, order and values
are identical (values compared as float32).
"""
import sys
import torch

ours = torch.load(sys.argv[1])
print(type(ours).__name__, len(ours), "tensors")
for key, value in list(ours.items())[:10]:
    print(f"  {key}: {tuple(value.shape)} {value.dtype}")
if len(sys.argv) > 2:
    reference = torch.load(sys.argv[2])
    assert list(ours) == list(reference), "keys or their order differ"
    for key in reference:
        assert torch.equal(ours[key].float(), reference[key].float()), f"values differ for {key}"
    print("identical to", sys.argv[2])
