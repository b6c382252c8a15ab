#!/usr/bin/env python3
"""numpy reference values for the 2-D real FFT of the Tensor module (`Tensor.rfft2`).

Writes Tests/Fixtures/tensor/rfft2_<case>_<array>.npy (float32): the input, the real and
imaginary parts of `numpy.fft.rfft2` over the last two axes, and the magnitude and phase
(`numpy.abs`, `numpy.angle`) of the spectrum, for an odd×even grid with a batch of channels
under `norm="ortho"` (what the frequency adapter uses) and an even×odd grid under the default
`norm="backward"`. Odd and even sides both, because the half spectrum's width W/2 + 1 and the
Nyquist column differ between them. For the ortho case also the amplitude and phase of the
full `numpy.fft.fft2` spectrum, which the frequency adapter rebuilds from the half spectrum by
Hermitian symmetry. Shapes are small because the fixtures are committed.

Run from the repository root (needs numpy):  python3 tools/make_fft_fixtures.py
"""
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "tensor"


def save(case, name, value):
    np.save(OUT / f"rfft2_{case}_{name}.npy", np.ascontiguousarray(value, dtype=np.float32))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261207)
    cases = {
        "ortho": ((2, 3, 5, 6), "ortho"),
        "backward": ((8, 7), "backward"),
    }
    for case, (shape, norm) in cases.items():
        x = rng.standard_normal(shape).astype(np.float32)
        spectrum = np.fft.rfft2(x.astype(np.float64), norm=norm)
        save(case, "input", x)
        save(case, "real", spectrum.real)
        save(case, "imaginary", spectrum.imag)
        save(case, "magnitude", np.abs(spectrum))
        save(case, "phase", np.angle(spectrum))
        full = np.fft.fft2(x.astype(np.float64), norm=norm)
        save(case, "full_magnitude", np.abs(full))
        save(case, "full_phase", np.angle(full))


if __name__ == "__main__":
    main()
