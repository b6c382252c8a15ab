#!/usr/bin/env python3
"""PyTorch reference values for NN's GRUCell (the interactive corrector's recurrent core).

Writes Tests/Fixtures/gru/<array>.npy (float32): a torch.nn.GRUCell's four parameters, a
3-step input sequence (T, B, I) and start state, every step's state, and the gradients of a
fixed weighted sum of the states with respect to the parameters, the inputs and the start
state. Small sizes (I = 5, H = 4, B = 2) because the fixtures are committed.

Run from the repository root (needs torch):  python3 tools/make_gru_fixtures.py
"""
import pathlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "gru"


def save(name, value):
    np.save(OUT / f"{name}.npy", np.array(value.detach().numpy(), dtype=np.float32, order="C"))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(20261207)
    steps, batch, inputs, hidden = 3, 2, 5, 4
    cell = torch.nn.GRUCell(inputs, hidden)
    x = (torch.randn(steps, batch, inputs) * 1.5).requires_grad_()
    h0 = torch.randn(batch, hidden).requires_grad_()
    weights = torch.randn(steps, batch, hidden)
    states, h = [], h0
    for t in range(steps):
        h = cell(x[t], h)
        states.append(h)
    states = torch.stack(states)
    (states * weights).sum().backward()
    for name, p in cell.named_parameters():
        save(name, p)
        save(f"{name}_grad", p.grad)
    for name, v in dict(input=x, h0=h0, loss_weights=weights, states=states,
                        input_grad=x.grad, h0_grad=h0.grad).items():
        save(name, v)


if __name__ == "__main__":
    main()
