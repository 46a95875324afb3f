"""The Wav2Lip generator (Prajwal et al., "A Lip Sync Expert Is All You Need", 2020) in torch, laid out as the
published model is, so its `wav2lip.pth` / `wav2lip_gan.pth` state dict loads as it is.

A 96x96 face crop whose lower half is masked, stacked with a reference crop (6 channels), is encoded by a U-Net
style face encoder; a 80x16 mel window (0.2 s of speech) is encoded to one 512-vector; the decoder grows the audio
vector back to 96x96 with the face features as skip connections and draws the whole face with the mouth the speech
needs. `width` divides every inner channel count: `tiny-wav2lip` is the same network at 1/8 of the width, built
from seeded random weights in well under a second (the mechanics around it are what tests check).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

__all__ = ["FACE_SIZE", "MEL_STEPS", "TINY_WAV2LIP", "Wav2Lip", "load_wav2lip"]

FACE_SIZE = 96  # the side of the face crop the network draws
MEL_STEPS = 16  # mel frames per window (0.2 s at 80 mel frames a second)
TINY_WAV2LIP = "tiny-wav2lip"
_TINY_DIVISOR = 8


class ConvBlock(nn.Module):
    """Conv + batch norm + ReLU, optionally residual (`conv_block.0` conv, `conv_block.1` norm, as published)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int | tuple[int, int], padding: int, *,
                 residual: bool = False) -> None:  # fmt: skip
        super().__init__()
        self.conv_block = nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, padding), nn.BatchNorm2d(cout))
        self.act = nn.ReLU()
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv_block(x)
        result: torch.Tensor = self.act(out + x if self.residual else out)
        return result


class UpBlock(nn.Module):
    """Transposed conv + batch norm + ReLU (the decoder's upsampling step)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, padding: int, output_padding: int = 0) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ConvTranspose2d(cin, cout, kernel, stride, padding, output_padding), nn.BatchNorm2d(cout)
        )
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        result: torch.Tensor = self.act(self.conv_block(x))
        return result


def _res(channels: int, count: int) -> list[nn.Module]:
    return [ConvBlock(channels, channels, 3, 1, 1, residual=True) for _ in range(count)]


@dataclass(frozen=True, slots=True)
class _Widths:
    divisor: int

    def __call__(self, channels: int) -> int:
        return max(channels // self.divisor, 2)


class Wav2Lip(nn.Module):
    """`forward(mel, faces)`: mel windows (B, 1, 80, 16) and masked+reference faces (B, 6, 96, 96), BGR in 0..1 →
    faces (B, 3, 96, 96) in 0..1."""

    def __init__(self, width_divisor: int = 1) -> None:
        super().__init__()
        w = _Widths(width_divisor)
        # face encoder: 96 → 48 → 24 → 12 → 6 → 3 → 1; each level's output is a skip connection
        enc = [w(16), w(32), w(64), w(128), w(256), w(512), w(512)]
        self.face_encoder_blocks = nn.ModuleList(
            [
                nn.Sequential(ConvBlock(6, enc[0], 7, 1, 3)),
                nn.Sequential(ConvBlock(enc[0], enc[1], 3, 2, 1), *_res(enc[1], 2)),
                nn.Sequential(ConvBlock(enc[1], enc[2], 3, 2, 1), *_res(enc[2], 3)),
                nn.Sequential(ConvBlock(enc[2], enc[3], 3, 2, 1), *_res(enc[3], 2)),
                nn.Sequential(ConvBlock(enc[3], enc[4], 3, 2, 1), *_res(enc[4], 2)),
                nn.Sequential(ConvBlock(enc[4], enc[5], 3, 2, 1), *_res(enc[5], 1)),
                nn.Sequential(ConvBlock(enc[5], enc[6], 3, 1, 0), ConvBlock(enc[6], enc[6], 1, 1, 0)),
            ]
        )
        # audio encoder: 80x16 mel → 27x16 → 9x6 → 3x3 → 1x1
        a = [w(32), w(64), w(128), w(256), w(512)]
        self.audio_encoder = nn.Sequential(
            ConvBlock(1, a[0], 3, 1, 1), *_res(a[0], 2),
            ConvBlock(a[0], a[1], 3, (3, 1), 1), *_res(a[1], 2),
            ConvBlock(a[1], a[2], 3, 3, 1), *_res(a[2], 2),
            ConvBlock(a[2], a[3], 3, (3, 2), 1), *_res(a[3], 1),
            ConvBlock(a[3], a[4], 3, 1, 0), ConvBlock(a[4], a[4], 1, 1, 0),
        )  # fmt: skip
        # decoder: each level's output is concatenated with the encoder's skip of the same size
        dec = [w(512), w(512), w(512), w(384), w(256), w(128), w(64)]
        skips = list(reversed(enc))
        ins = [a[4]] + [dec[i] + skips[i] for i in range(6)]
        self.face_decoder_blocks = nn.ModuleList(
            [
                nn.Sequential(ConvBlock(ins[0], dec[0], 1, 1, 0)),
                nn.Sequential(UpBlock(ins[1], dec[1], 3, 1, 0), *_res(dec[1], 1)),
                *[nn.Sequential(UpBlock(ins[i], dec[i], 3, 2, 1, 1), *_res(dec[i], 2)) for i in range(2, 7)],
            ]
        )
        self.output_block = nn.Sequential(
            ConvBlock(dec[6] + skips[6], w(32), 3, 1, 1), nn.Conv2d(w(32), 3, 1, 1, 0), nn.Sigmoid()
        )

    def forward(self, mel: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
        x = self.audio_encoder(mel)
        skips = []
        y = faces
        for block in self.face_encoder_blocks:
            y = block(y)
            skips.append(y)
        for block in self.face_decoder_blocks:
            x = torch.cat((block(x), skips.pop()), dim=1)
        out: torch.Tensor = self.output_block(x)
        return out


def _tiny() -> Wav2Lip:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return Wav2Lip(width_divisor=_TINY_DIVISOR)


def load_wav2lip(checkpoint: str | os.PathLike[str], device: torch.device | str = "cpu") -> Wav2Lip:
    """`tiny-wav2lip` (seeded random weights), or the published checkpoint at a path (`wav2lip.pth`,
    `wav2lip_gan.pth`: a dict whose `state_dict` has DataParallel's `module.` prefix), in eval mode."""
    name = os.fspath(checkpoint)
    if name == TINY_WAV2LIP:
        model = _tiny()
    else:
        path = Path(name).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"no Wav2Lip checkpoint at {path}; give wav2lip.pth or {TINY_WAV2LIP}")
        saved = torch.load(path, map_location="cpu", weights_only=True)
        state = saved.get("state_dict", saved) if isinstance(saved, dict) else saved
        model = Wav2Lip()
        model.load_state_dict({key.removeprefix("module."): value for key, value in state.items()})
    return model.to(device).eval()
