"""By-hand check of a full-size configuration (default R50-ViT-B_16) against reference.py.

Writes a seeded random state dict in the original key names (weights ~ N(0, 1/fan_in), norm
and BatchNorm parameters perturbed around their defaults) to OUT/model.pth, runs reference.py on
the fixture's input.png and writes OUT/prob_fg.npy and OUT/encoded.npy, printing the forward time
and PyTorch's FLOP count. Nothing here is committed: the weights are hundreds of MB.

    python3 tools/transunet/check_full_size.py OUT [R50-ViT-B_16|R50-ViT-L_16|ViT-B_16]
    ultrarefiner infer --coarse-only --checkpoint OUT/model.pth --image .../input.png --out OUT/swift
    python3 -c "import numpy as np; print(abs(np.load('OUT/swift/coarse.npy') - np.load('OUT/prob_fg.npy')[0]).max())"
"""
import os
import sys
import time

import numpy as np
import torch
from PIL import Image
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, os.path.dirname(__file__))
import reference  # noqa: E402

CONFIGS = {  # hidden, layers, heads, mlp, resnet units (None = pure ViT)
    "R50-ViT-B_16": (768, 12, 12, 3072, (3, 4, 9)),
    "R50-ViT-L_16": (1024, 24, 16, 4096, (3, 4, 9)),
    "ViT-B_16": (768, 12, 12, 3072, None),
}


def shapes(hidden, layers, mlp, units, grid=14):
    out = {}
    t = "transformer.embeddings."
    if units:
        w = 64
        out[t + "hybrid_model.root.conv.weight"] = (w, 3, 7, 7)
        out[t + "hybrid_model.root.gn.weight"] = out[t + "hybrid_model.root.gn.bias"] = (w,)
        cin = w
        for b, n in enumerate(units):
            mid, cout = w << b, (w * 4) << b
            for u in range(1, n + 1):
                p = t + "hybrid_model.body.block%d.unit%d." % (b + 1, u)
                for i, (ci, co, k) in enumerate([(cin, mid, 1), (mid, mid, 3), (mid, cout, 1)], 1):
                    out[p + "gn%d.weight" % i] = out[p + "gn%d.bias" % i] = (co,)
                    out[p + "conv%d.weight" % i] = (co, ci, k, k)
                if u == 1:
                    out[p + "downsample.weight"] = (cout, cin, 1, 1)
                    out[p + "gn_proj.weight"] = out[p + "gn_proj.bias"] = (cout,)
                cin = cout
        out[t + "patch_embeddings.weight"] = (hidden, cin, 1, 1)
        skips = [512, 256, 64, 0]
    else:
        out[t + "patch_embeddings.weight"] = (hidden, 3, 16, 16)
        skips = [0, 0, 0, 0]
    out[t + "patch_embeddings.bias"] = (hidden,)
    out[t + "position_embeddings"] = (1, grid * grid, hidden)
    for l in range(layers):
        p = "transformer.encoder.layer.%d." % l
        for n in ("attention_norm", "ffn_norm"):
            out[p + n + ".weight"] = out[p + n + ".bias"] = (hidden,)
        out[p + "ffn.fc1.weight"], out[p + "ffn.fc1.bias"] = (mlp, hidden), (mlp,)
        out[p + "ffn.fc2.weight"], out[p + "ffn.fc2.bias"] = (hidden, mlp), (hidden,)
        for n in ("query", "key", "value", "out"):
            out[p + "attn.%s.weight" % n], out[p + "attn.%s.bias" % n] = (hidden, hidden), (hidden,)
    out["transformer.encoder.encoder_norm.weight"] = out["transformer.encoder.encoder_norm.bias"] = (hidden,)

    def conv_bn(p, ci, co):
        out[p + "0.weight"] = (co, ci, 3, 3)
        for n in ("weight", "bias", "running_mean", "running_var"):
            out[p + "1." + n] = (co,)
        out[p + "1.num_batches_tracked"] = ()
    conv_bn("decoder.conv_more.", hidden, 512)
    cin = 512
    for i, co in enumerate((256, 128, 64, 16)):
        conv_bn("decoder.blocks.%d.conv1." % i, cin + skips[i], co)
        conv_bn("decoder.blocks.%d.conv2." % i, co, co)
        cin = co
    out["segmentation_head.0.weight"], out["segmentation_head.0.bias"] = (2, 16, 3, 3), (2,)
    return out


def random_state_dict(shapes, seed=0):
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for key, shape in shapes.items():
        if key.endswith("num_batches_tracked"):
            sd[key] = torch.tensor(0, dtype=torch.int64)
        elif key.endswith("running_var"):
            sd[key] = torch.exp(0.2 * torch.randn(shape, generator=g))
        elif len(shape) >= 2 and key != "transformer.embeddings.position_embeddings":
            fan_in = int(np.prod(shape[1:]))
            sd[key] = torch.randn(shape, generator=g) / fan_in ** 0.5
        elif key.endswith("weight") and len(shape) == 1:
            sd[key] = 1 + 0.1 * torch.randn(shape, generator=g)
        else:
            sd[key] = 0.1 * torch.randn(shape, generator=g)
    return sd


out = sys.argv[1]
name = sys.argv[2] if len(sys.argv) > 2 else "R50-ViT-B_16"
hidden, layers, heads, mlp, units = CONFIGS[name]
os.makedirs(out, exist_ok=True)
sd = random_state_dict(shapes(hidden, layers, mlp, units))
torch.save(sd, os.path.join(out, "model.pth"))
here = os.path.dirname(os.path.abspath(__file__))
png = os.path.join(here, "../../../shared/fixtures/transunet_mini/input.png")
x = torch.from_numpy(np.asarray(Image.open(png).convert("L"), dtype=np.float32) / 255)[None, None]
torch.set_num_threads(2)
with torch.no_grad():
    n_skip = 3 if units else 0
    reference.forward(sd, x, heads, n_skip)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        logits, encoded, _ = reference.forward(sd, x, heads, n_skip)
        times.append(time.perf_counter() - start)
    with FlopCounterMode(display=False) as counter:
        reference.forward(sd, x, heads, n_skip)
np.save(os.path.join(out, "prob_fg.npy"), torch.softmax(logits, 1)[:, 1].numpy())
np.save(os.path.join(out, "encoded.npy"), encoded.numpy())
print("%s: forward median %.3f s (2 threads), %.2f GFLOP, max |logit| %.3f" % (
    name, sorted(times)[1], counter.get_total_flops() / 1e9, logits.abs().max().item()))
