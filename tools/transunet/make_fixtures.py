"""Small TransUNet fixtures beyond the official ones in ../shared/fixtures/transunet_mini.

Uses reference.py (an independent PyTorch re-implementation, first checked against the official
fixture) to produce, for the same mini weights:
  * the position embeddings fitted to a 10x10 grid by scipy.ndimage.zoom(order=1), as the
    original load_from resizes them;
  * the forward pass at 160x160 (the top-left crop of input.npy) with those embeddings.
Writes Tests/Fixtures/transunet/mini_160.npz.

    python3 tools/transunet/make_fixtures.py ../shared/fixtures/transunet_mini
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import reference  # noqa: E402

folder = sys.argv[1] if len(sys.argv) > 1 else "../shared/fixtures/transunet_mini"
sd = reference.check_against_official(folder)
sd["transformer.embeddings.position_embeddings"] = reference.zoom_position_embeddings(
    sd["transformer.embeddings.position_embeddings"], 10)
x = torch.from_numpy(np.load(folder + "/input.npy"))[:, :, :160, :160].contiguous()
with torch.no_grad():
    logits, encoded, _ = reference.forward(sd, x, heads=2)
out = os.path.join(os.path.dirname(__file__), "../../Tests/Fixtures/transunet")
os.makedirs(out, exist_ok=True)
np.savez(os.path.join(out, "mini_160.npz"),
         position_embeddings=sd["transformer.embeddings.position_embeddings"].numpy().astype(np.float32),
         prob_fg=torch.softmax(logits, 1)[:, 1].numpy().astype(np.float32),
         encoded=encoded.numpy().astype(np.float32))
print("wrote", out)
