"""An independent functional PyTorch re-implementation of TransUNet's forward pass.

Written from the behaviour described in ../shared/fixtures/README.md (not from the original
code): weight-standardised ResNet-v2 convs (biased variance, eps 1e-5), GroupNorm(32, eps 1e-6)
except gn_proj (one group per channel, eps 1e-5), unpadded max-pool with the zero-padded block1
skip, pre-LN transformer (eps 1e-6, exact GELU), decoder with align_corners=True upsampling and
BatchNorm (eps 1e-5), 3x3 segmentation head. It reads state dicts in the original key names.

`check_against_official()` proves it reproduces the official fixture's logits before it is used
to make new references (other input sizes, R50-ViT-B_16 by hand).
"""
import math
import re

import numpy as np
import scipy.ndimage
import torch
import torch.nn.functional as F


def std_conv(x, w, stride=1, padding=0):
    v, m = torch.var_mean(w, dim=[1, 2, 3], keepdim=True, unbiased=False)
    return F.conv2d(x, (w - m) / torch.sqrt(v + 1e-5), None, stride, padding)


def unit(sd, p, x, stride):
    if p + "downsample.weight" in sd:
        cout = sd[p + "downsample.weight"].shape[0]
        residual = F.group_norm(std_conv(x, sd[p + "downsample.weight"], stride), cout,
                                sd[p + "gn_proj.weight"], sd[p + "gn_proj.bias"], 1e-5)
    else:
        residual = x
    y = F.relu(F.group_norm(std_conv(x, sd[p + "conv1.weight"]), 32, sd[p + "gn1.weight"], sd[p + "gn1.bias"], 1e-6))
    y = F.relu(F.group_norm(std_conv(y, sd[p + "conv2.weight"], stride, 1), 32, sd[p + "gn2.weight"], sd[p + "gn2.bias"], 1e-6))
    y = F.group_norm(std_conv(y, sd[p + "conv3.weight"]), 32, sd[p + "gn3.weight"], sd[p + "gn3.bias"], 1e-6)
    return F.relu(residual + y)


def units_in(sd, block):
    pattern = re.compile(r"transformer\.embeddings\.hybrid_model\.body\.block%d\.unit(\d+)\.gn1\.weight" % block)
    return sorted(int(m.group(1)) for k in sd for m in [pattern.fullmatch(k)] if m)


def backbone(sd, x):
    p = "transformer.embeddings.hybrid_model."
    size = x.shape[2]
    x = F.relu(F.group_norm(std_conv(x, sd[p + "root.conv.weight"], 2, 3), 32,
                            sd[p + "root.gn.weight"], sd[p + "root.gn.bias"], 1e-6))
    skips = [x]
    x = F.max_pool2d(x, 3, 2, 0)
    for block in (1, 2, 3):
        for u in units_in(sd, block):
            x = unit(sd, p + "body.block%d.unit%d." % (block, u), x, 2 if (u == 1 and block > 1) else 1)
        if block < 3:
            right = size // 4 // block
            skips.append(F.pad(x, (0, right - x.shape[3], 0, right - x.shape[2])))
    return x, skips[::-1]


def encoder(sd, x, heads):
    p = "transformer."
    hybrid = p + "embeddings.hybrid_model.root.conv.weight" in sd
    skips = []
    if hybrid:
        x, skips = backbone(sd, x)
    w = sd[p + "embeddings.patch_embeddings.weight"]
    x = F.conv2d(x, w, sd[p + "embeddings.patch_embeddings.bias"], stride=w.shape[2])
    x = x.flatten(2).transpose(1, 2) + sd[p + "embeddings.position_embeddings"]
    b, n, d = x.shape
    layer = 0
    while "%sencoder.layer.%d.attention_norm.weight" % (p, layer) in sd:
        q = "%sencoder.layer.%d." % (p, layer)
        h = F.layer_norm(x, (d,), sd[q + "attention_norm.weight"], sd[q + "attention_norm.bias"], 1e-6)
        proj = lambda name: F.linear(h, sd[q + "attn.%s.weight" % name], sd[q + "attn.%s.bias" % name]) \
            .view(b, n, heads, d // heads).transpose(1, 2)
        a = torch.softmax(proj("query") @ proj("key").transpose(-1, -2) / math.sqrt(d // heads), -1) @ proj("value")
        x = x + F.linear(a.transpose(1, 2).reshape(b, n, d), sd[q + "attn.out.weight"], sd[q + "attn.out.bias"])
        h = F.layer_norm(x, (d,), sd[q + "ffn_norm.weight"], sd[q + "ffn_norm.bias"], 1e-6)
        h = F.linear(F.gelu(F.linear(h, sd[q + "ffn.fc1.weight"], sd[q + "ffn.fc1.bias"])),
                     sd[q + "ffn.fc2.weight"], sd[q + "ffn.fc2.bias"])
        x = x + h
        layer += 1
    x = F.layer_norm(x, (d,), sd[p + "encoder.encoder_norm.weight"], sd[p + "encoder.encoder_norm.bias"], 1e-6)
    return x, skips


def conv_bn_relu(sd, p, x):
    return F.relu(F.batch_norm(F.conv2d(x, sd[p + "0.weight"], None, 1, 1), sd[p + "1.running_mean"],
                               sd[p + "1.running_var"], sd[p + "1.weight"], sd[p + "1.bias"], False, 0.0, 1e-5))


def forward(sd, images, heads, n_skip=3):
    """Returns (logits, encoded, skips) for images (B,1 or 3,H,W)."""
    if images.shape[1] == 1:
        images = images.repeat(1, 3, 1, 1)
    encoded, skips = encoder(sd, images, heads)
    b, n, d = encoded.shape
    side = int(math.isqrt(n))
    x = conv_bn_relu(sd, "decoder.conv_more.", encoded.transpose(1, 2).reshape(b, d, side, side))
    for i in range(4):
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
        if i < n_skip and i < len(skips) and sd["decoder.blocks.%d.conv1.0.weight" % i].shape[1] > x.shape[1]:
            x = torch.cat([x, skips[i]], 1)
        x = conv_bn_relu(sd, "decoder.blocks.%d.conv1." % i, x)
        x = conv_bn_relu(sd, "decoder.blocks.%d.conv2." % i, x)
    logits = F.conv2d(x, sd["segmentation_head.0.weight"], sd["segmentation_head.0.bias"], padding=1)
    return logits, encoded, skips


def zoom_position_embeddings(pos, grid):
    """The original load_from's resize: drop a class token, zoom the grid with order-1 splines."""
    pos = pos.numpy()
    tokens = pos.shape[1]
    if tokens == grid * grid:
        return torch.from_numpy(pos)
    if tokens == grid * grid + 1 or math.isqrt(tokens) ** 2 != tokens:
        pos = pos[:, 1:]
    old = math.isqrt(pos.shape[1])
    g = pos[0].reshape(old, old, -1)
    g = scipy.ndimage.zoom(g, (grid / old, grid / old, 1), order=1)
    return torch.from_numpy(g.reshape(1, grid * grid, -1))


def check_against_official(folder):
    sd = torch.load(folder + "/transunet.pth")
    x = torch.from_numpy(np.load(folder + "/input.npy"))
    with torch.no_grad():
        logits, encoded, skips = forward(sd, x, heads=2)
    err = (logits - torch.from_numpy(np.load(folder + "/logits.npy"))).abs().max().item()
    enc = (encoded - torch.from_numpy(np.load(folder + "/intermediates/encoded.npy"))).abs().max().item()
    print("re-implementation vs official fixture: logits max|d| %.3g, encoded %.3g" % (err, enc))
    assert err < 1e-5 and enc < 1e-4
    return sd
