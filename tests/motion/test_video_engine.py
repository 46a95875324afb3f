"""The video executor on the built-in tiny video models: real diffusers pipelines on the CPU."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from kiln.engine.executor import Engine
from kiln.engine.tiny.builders import build_tiny
from kiln.engine.video import generate_clips, mode_pipeline
from kiln.engine.video_item import VideoItem
from kiln.errors import Cancelled
from tests.motion.video_helpers import input_image

GUIDANCE = {"tiny-ltx": 3.0, "tiny-wan": 5.0, "tiny-wan-i2v": 5.0, "tiny-svd": 2.5}


def clip_item(index: int, model: str, mode: str, image: Path | None = None) -> VideoItem:
    svd = model == "tiny-svd"
    return VideoItem(
        index=index,
        mode="i2v" if mode == "i2v" else "t2v",
        model=model,
        prompt="" if svd else f"scene {index}: a {['cat', 'ship', 'tree'][index % 3]}",
        negative_prompt="",
        width=32,
        height=32,
        frames=4 if svd else 9,
        fps=8,
        steps=1 if svd else 2,
        guidance=GUIDANCE[model],
        seed=50 + index,
        image=None if image is None else str(image),
        motion_bucket_id=127 if svd else None,
        noise_aug_strength=0.02 if svd else None,
    )


@pytest.mark.parametrize(
    ("model", "mode"),
    [("tiny-ltx", "t2v"), ("tiny-ltx", "i2v"), ("tiny-svd", "i2v"), ("tiny-wan", "t2v"), ("tiny-wan-i2v", "i2v")],
)
def test_a_clip_alone_equals_the_same_clip_in_a_batch_of_3(
    engine: Engine, tmp_path: Path, model: str, mode: str
) -> None:
    images = [input_image(tmp_path / f"in{i}.png", size=(40 + 8 * i, 40)) for i in range(3)]
    items = [clip_item(i, model, mode, images[i] if mode == "i2v" else None) for i in range(3)]
    loaded = engine.model(model)
    batched = generate_clips(loaded, items)
    alone = generate_clips(loaded, [items[1]])[0]
    assert [clip.item.index for clip in batched] == [0, 1, 2]
    assert batched[1].pixels.shape == (items[1].frames, 32, 32, 3)
    assert np.abs(batched[1].pixels - alone.pixels).max() < 1e-4
    # other seeds, prompts and images make other clips: the comparison above is not trivially true
    assert np.abs(batched[0].pixels - batched[1].pixels).max() > 0.05


def test_progress_per_step_and_cancel_between_steps(engine: Engine) -> None:
    loaded = engine.model("tiny-ltx")
    item = replace(clip_item(0, "tiny-ltx", "t2v"), steps=3)
    steps: list[tuple[int, int]] = []
    clips = generate_clips(loaded, [item], on_step=lambda step, total: steps.append((step, total)))
    assert steps == [(1, 3), (2, 3), (3, 3)]
    assert len(clips[0].images()) == 9 and clips[0].images()[0].size == (32, 32)
    steps.clear()
    with pytest.raises(Cancelled, match="after step 1 of 3"):
        generate_clips(
            loaded, [item], on_step=lambda step, total: steps.append((step, total)), should_cancel=lambda: bool(steps)
        )
    assert steps == [(1, 3)]


def test_ltx_image_to_video_shares_the_text_to_video_modules(engine: Engine) -> None:
    loaded = engine.model("tiny-ltx")
    i2v = mode_pipeline(loaded, "i2v")
    assert type(i2v).__name__ == "LTXImageToVideoPipeline"
    assert i2v.transformer is loaded.pipe.transformer and i2v.vae is loaded.pipe.vae
    assert mode_pipeline(loaded, "t2v") is loaded.pipe


def test_a_micro_batch_must_share_a_signature(engine: Engine) -> None:
    items = [clip_item(0, "tiny-ltx", "t2v"), replace(clip_item(1, "tiny-ltx", "t2v"), frames=17)]
    with pytest.raises(Exception, match="one signature"):
        generate_clips(engine.model("tiny-ltx"), items)


@pytest.mark.parametrize("model", ["tiny-svd", "tiny-ltx", "tiny-wan", "tiny-wan-i2v"])
def test_tiny_video_models_build_identically(model: str) -> None:
    first, second = build_tiny(model), build_tiny(model)
    for name, part in first.components.items():
        if isinstance(part, torch.nn.Module):
            for (key, a), b in zip(
                part.state_dict().items(), second.components[name].state_dict().values(), strict=True
            ):
                assert torch.equal(a, b), f"{model}.{name}.{key}"
