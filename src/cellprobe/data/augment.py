"""Batch augmentation of pre-loaded image tensors: random crop, horizontal flip, cutout.

Every random draw comes from the ``torch.Generator`` passed in (drawn on the generator's device,
then moved to the batch's), so a given generator state gives the same result on CPU and on GPU.
Each operation is vectorised over the batch; zero fill means the channel mean for normalised input.

>>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
>>> Augment(flip=True)(x, torch.Generator().manual_seed(0))[0, 0, 0].tolist()  # this draw flips
[3.0, 2.0, 1.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import torch
import torch.nn.functional as F

__all__ = ["Augment", "AUGMENT_PRESETS", "random_crop", "random_flip", "cutout"]


def _randint(high: int, size: tuple[int, ...], generator: torch.Generator, device) -> torch.Tensor:
    return torch.randint(0, high, size, generator=generator, device=generator.device).to(device)


def random_crop(x: torch.Tensor, padding: int, generator: torch.Generator) -> torch.Tensor:
    """Pad each image of ``x`` (N×C×H×W) with ``padding`` zeros per side and crop H×W at a random offset."""
    n, _, h, w = x.shape
    offsets = _randint(2 * padding + 1, (n, 2), generator, x.device)
    padded = F.pad(x, (padding, padding, padding, padding))
    rows = offsets[:, :1] + torch.arange(h, device=x.device)  # N×H, in padded coordinates
    cols = offsets[:, 1:] + torch.arange(w, device=x.device)  # N×W
    batch = torch.arange(n, device=x.device)[:, None, None]
    picked = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # N×H×W×C
    return picked.permute(0, 3, 1, 2).contiguous()


def random_flip(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Mirror each image of ``x`` left–right with probability 1/2."""
    flip = torch.rand(len(x), generator=generator, device=generator.device).to(x.device) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def cutout(x: torch.Tensor, size: int, generator: torch.Generator) -> torch.Tensor:
    """Zero one ``size``×``size`` square per image, its centre uniform over the image, clipped at the borders.

    For centre (cy, cx) the square covers rows cy - size//2 .. cy - size//2 + size - 1 (columns alike).
    """
    n, _, h, w = x.shape
    top = _randint(h, (n, 1), generator, x.device) - size // 2
    left = _randint(w, (n, 1), generator, x.device) - size // 2
    ys = torch.arange(h, device=x.device)
    xs = torch.arange(w, device=x.device)
    in_rows = (ys >= top) & (ys < top + size)  # N×H
    in_cols = (xs >= left) & (xs < left + size)  # N×W
    mask = in_rows[:, None, :, None] & in_cols[:, None, None, :]  # N×1×H×W
    return x.masked_fill(mask, 0)


@dataclass(frozen=True)
class Augment:
    """Random crop (``crop_padding`` zeros per side), horizontal ``flip`` and ``cutout`` (square side), in that order.

    Calling it returns a new N×C×H×W tensor (``x`` itself when nothing is enabled); all randomness
    comes from ``generator``, in a fixed order: crop offsets, flip coins, cutout centres.
    """

    crop_padding: int = 0
    flip: bool = False
    cutout: int = 0

    def __post_init__(self):
        for name in ("crop_padding", "cutout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Augment: {name} must be an integer >= 0, got {value!r}")
        if not isinstance(self.flip, bool):
            raise ValueError(f"Augment: flip must be True or False, got {self.flip!r}")

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f"Augment expects an N×C×H×W batch, got shape {tuple(x.shape)}")
        if self.crop_padding:
            x = random_crop(x, self.crop_padding, generator)
        if self.flip:
            x = random_flip(x, generator)
        if self.cutout:
            x = cutout(x, self.cutout, generator)
        return x


AUGMENT_PRESETS = MappingProxyType(
    {
        "cifar": Augment(crop_padding=4, flip=True, cutout=16),
        "cifar16": Augment(crop_padding=2, flip=True),  # CIFAR-10 at 16×16: the crop scaled down, no cutout
        "cifar8": Augment(crop_padding=1, flip=True),
        "digits": Augment(crop_padding=1),  # no flip: digits are not mirror-invariant
        "none": Augment(),
    }
)
