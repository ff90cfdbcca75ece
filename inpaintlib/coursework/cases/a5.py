"""A5 (the fast Fourier convolution): the bodies its public and hidden tests share. Every case
is a LaMa layer with random weights and BatchNorm statistics (:func:`randomise`), compared in
eval mode with the student's function given its ``state_dict``."""

from __future__ import annotations

from ..checks import check_close, check_own_code, graded, unpack
from . import Mistakes, catalogue


def randomise(module, seed: int, scale: float = 0.3):
    """``module`` in eval mode with random weights (``scale`` x N(0, 1)) and BatchNorm statistics,
    drawn from ``seed`` in each tensor's dtype."""
    import torch
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(scale * torch.randn(p.shape, generator=gen, dtype=p.dtype))
        for m in module.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                mean, var = m.running_mean, m.running_var
                mean.copy_(0.2 * torch.randn(mean.shape, generator=gen, dtype=mean.dtype))
                var.copy_(0.5 + torch.rand(var.shape, generator=gen, dtype=var.dtype))
    return module.eval()


def q2_random_transform(spectral_transform, mistakes: Mistakes | None = None) -> None:
    """A random ``SpectralTransform(12, 8)`` on a (2, 12, 8, 8) batch, and no library call.
    ``mistakes`` gets the transform ``st`` and ``x`` (called without gradients) and names the
    check ``"output"``."""
    import torch

    from ...models.lama import SpectralTransform
    spectral_transform = graded("spectral_transform", spectral_transform)
    st = randomise(SpectralTransform(12, 8), 5)
    x = torch.randn(2, 12, 8, 8, generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        ref = st(x)
        known = catalogue(mistakes, st=st, x=x)
        mine = spectral_transform(x, st.state_dict())
    check_close("spectral transform output", mine, ref, 1e-4,
                "y = ReLU(BN(conv(x))); out = conv(y + fourier_unit(y))", known.get("output"))
    check_own_code("spectral_transform", spectral_transform)


def q3_lama_split(ffc, mistakes: Mistakes | None = None) -> None:
    """A random ``FFC(16, 16)`` with LaMa's 0.75 global share, and no library call.
    ``mistakes`` gets the ``layer`` and its inputs ``x_l``, ``x_g`` (called without gradients)
    and names the checks ``"local"`` and ``"global"``."""
    import torch

    from ...models.lama import FFC
    ffc = graded("ffc", ffc)
    layer = randomise(FFC(16, 16, ratio_in=0.75, ratio_out=0.75), 9)
    x = torch.randn(2, 16, 12, 12, generator=torch.Generator().manual_seed(10))
    x_l, x_g = x[:, :4], x[:, 4:]
    with torch.no_grad():
        ref_l, ref_g = layer((x_l, x_g))
        mine_l, mine_g = unpack("ffc(x_local, x_global, weights)", ffc(x_l, x_g, layer.state_dict()), 2)
        known = catalogue(mistakes, layer=layer, x_l=x_l, x_g=x_g)
    check_close("local output", mine_l, ref_l, 1e-4, "out_local = ReLU(BN(l2l(x_local) + g2l(x_global)))",
                known.get("local"))
    check_close("global output", mine_g, ref_g, 1e-4,
                "out_global = ReLU(BN(l2g(x_local) + spectral_transform(x_global)))", known.get("global"))
    check_own_code("ffc", ffc)
