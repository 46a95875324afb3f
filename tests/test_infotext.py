"""A1111 infotext: the exact layout, round-trips, and compatibility with A1111's own parser."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from kiln import __version__
from kiln.media.infotext import build_infotext, parse_infotext
from kiln.types import ImageItem

VERSION = f"kiln {__version__}"


def make_item(**changes: Any) -> ImageItem:
    fields: dict[str, Any] = {
        "index": 0,
        "prompt": "a red fox in the snow",
        "negative_prompt": "blurry",
        "user_prompt": "a red fox in the snow",
        "model": "tiny-sd",
        "width": 512,
        "height": 768,
        "steps": 44,
        "guidance": 7.0,
        "seed": 123,
    }
    fields.update(changes)
    return ImageItem(**fields)


# --- an independent copy of A1111's parser (modules/infotext_utils.py, parse_generation_parameters) -------
# Only the UI-settings parts (styles extraction, pasted defaults, backcompat) are left out.
a1111_re_param = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
a1111_re_imagesize = re.compile(r"^(\d+)x(\d+)$")


def a1111_unquote(text: str) -> Any:
    if len(text) == 0 or text[0] != '"' or text[-1] != '"':
        return text
    try:
        return json.loads(text)
    except Exception:
        return text


def a1111_parse_generation_parameters(x: str) -> dict[str, Any]:
    res: dict[str, Any] = {}
    prompt = ""
    negative_prompt = ""
    done_with_prompt = False
    *lines, lastline = x.strip().split("\n")
    if len(a1111_re_param.findall(lastline)) < 3:
        lines.append(lastline)
        lastline = ""
    for line in lines:
        line = line.strip()
        if line.startswith("Negative prompt:"):
            done_with_prompt = True
            line = line[16:].strip()
        if done_with_prompt:
            negative_prompt += ("" if negative_prompt == "" else "\n") + line
        else:
            prompt += ("" if prompt == "" else "\n") + line
    res["Prompt"] = prompt
    res["Negative prompt"] = negative_prompt
    for k, v in a1111_re_param.findall(lastline):
        try:
            if v[0] == '"' and v[-1] == '"':
                v = a1111_unquote(v)
            m = a1111_re_imagesize.match(v)
            if m is not None:
                res[f"{k}-1"] = m.group(1)
                res[f"{k}-2"] = m.group(2)
            else:
                res[k] = v
        except Exception:
            pass  # A1111 prints the error and drops the pair
    return res


# --- layout --------------------------------------------------------------------------------------------
def test_exact_a1111_layout() -> None:
    item = make_item(style="Cinematic")
    text = build_infotext(item, sampler="Euler", model_label="tiny-sd")
    assert text == (
        "a red fox in the snow\n"
        "Negative prompt: blurry\n"
        "Steps: 44, Sampler: Euler, CFG scale: 7, Seed: 123, Size: 512x768, Model: tiny-sd, "
        f"Style: Cinematic, Version: {VERSION}"
    )


def test_no_negative_line_and_no_style_when_unset() -> None:
    text = build_infotext(make_item(negative_prompt="", style=None), sampler="DPM++ 2M", model_label="m")
    assert text == (
        "a red fox in the snow\n"
        f"Steps: 44, Sampler: DPM++ 2M, CFG scale: 7, Seed: 123, Size: 512x768, Model: m, Version: {VERSION}"
    )
    assert "Negative prompt" not in text
    assert "Style" not in text


@pytest.mark.parametrize(
    ("guidance", "written"),
    [(7.0, "7"), (7.5, "7.5"), (0.0, "0"), (12.25, "12.25"), (3.14159265358979, "3.14159265358979")],
)
def test_cfg_scale_formatting(guidance: float, written: str) -> None:
    text = build_infotext(make_item(guidance=guidance), sampler="Euler", model_label="m")
    assert f"CFG scale: {written}," in text
    assert float(parse_infotext(text)["CFG scale"]) == guidance


def test_extra_entries_are_appended_after_version() -> None:
    extra: dict[str, str | int | float] = {
        "Denoising strength": 0.75,
        "Clip skip": 2,
        "Lora hashes": "add_detail: 7c6bad76eb54",
    }
    text = build_infotext(make_item(), sampler="Euler", model_label="m", extra=extra)
    last = text.split("\n")[-1]
    assert last.endswith(
        f'Version: {VERSION}, Denoising strength: 0.75, Clip skip: 2, Lora hashes: "add_detail: 7c6bad76eb54"'
    )
    parsed = parse_infotext(text)
    assert parsed["Denoising strength"] == "0.75"
    assert parsed["Clip skip"] == "2"
    assert parsed["Lora hashes"] == "add_detail: 7c6bad76eb54"


@pytest.mark.parametrize("key", ["", "x", "bad:key", "bad,key", "trailing ", " leading", "new\nline"])
def test_extra_keys_a1111_cannot_read_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="infotext key"):
        build_infotext(make_item(), sampler="Euler", model_label="m", extra={key: 1})


@pytest.mark.parametrize("key", ["Seed", "Version", "Prompt", "Negative prompt"])
def test_extra_keys_cannot_overwrite_kiln_keys(key: str) -> None:
    with pytest.raises(ValueError, match="already written"):
        build_infotext(make_item(), sampler="Euler", model_label="m", extra={key: 1})


# --- round-trips ---------------------------------------------------------------------------------------
TRICKY_PROMPTS = [
    ("a cat, a dog, (masterpiece:1.2)", "ugly, blurry"),
    ("time: 12:30, ratio 16:9", "text: watermark"),
    ('he said "hello", then \\ left', 'no "quotes"'),
    ("line one\nline two\n\nline four", "neg one\nneg two"),
    ("ünïcödé 日本語の猫 🦊, «quotes»", "ぼやけた"),
    ("Steps: 20, Sampler: Euler, CFG scale: 7", "Seed: 1, Size: 2x2, Model: x"),
    ("a prompt with no negative", ""),
    ("", "only a negative"),
    ("", ""),
]


@pytest.mark.parametrize(("prompt", "negative"), TRICKY_PROMPTS)
def test_prompts_round_trip(prompt: str, negative: str) -> None:
    item = make_item(prompt=prompt, negative_prompt=negative, style="Film, noir: 1947")
    text = build_infotext(item, sampler="Euler a", model_label="tiny-sd")
    parsed = parse_infotext(text)
    assert parsed == {
        "Prompt": prompt,
        "Negative prompt": negative,
        "Steps": "44",
        "Sampler": "Euler a",
        "CFG scale": "7",
        "Seed": "123",
        "Size": "512x768",
        "Model": "tiny-sd",
        "Style": "Film, noir: 1947",
        "Version": VERSION,
    }


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "with, comma",
        "with: colon",
        'with "quote"',
        '"fully quoted"',
        "with\nnewline",
        "back\\slash, and comma",
        "C:\\models\\sd.safetensors",
        "  padded  ",
        "",
        "ünïcödé, 猫",
        'tricky\\", Seed: 9',
    ],
)
def test_values_round_trip_through_both_parsers(value: str) -> None:
    item = make_item(style=value or None)
    text = build_infotext(item, sampler=value, model_label=value, extra={"Note": value})
    ours = parse_infotext(text)
    theirs = a1111_parse_generation_parameters(text)
    for key in ("Sampler", "Model", "Note"):
        assert ours[key] == value
        assert theirs[key] == value
    assert ours["Seed"] == theirs["Seed"] == "123"  # nothing leaked into the next pair
    assert ours["Version"] == theirs["Version"] == VERSION


def test_values_with_special_characters_are_json_quoted() -> None:
    text = build_infotext(make_item(), sampler='Euler "a"', model_label="sd, v1: 5")
    assert 'Sampler: "Euler \\"a\\""' in text
    assert 'Model: "sd, v1: 5"' in text


@pytest.mark.parametrize(("prompt", "negative"), TRICKY_PROMPTS)
def test_a1111_parser_reads_what_we_write(prompt: str, negative: str) -> None:
    item = make_item(prompt=prompt, negative_prompt=negative, style="Cinematic", guidance=7.5)
    text = build_infotext(item, sampler="DPM++ 2M Karras", model_label="tiny-sd", extra={"Clip skip": 2})
    assert a1111_parse_generation_parameters(text) == {
        "Prompt": prompt,
        "Negative prompt": negative,
        "Steps": "44",
        "Sampler": "DPM++ 2M Karras",
        "CFG scale": "7.5",
        "Seed": "123",
        "Size-1": "512",
        "Size-2": "768",
        "Model": "tiny-sd",
        "Style": "Cinematic",
        "Version": VERSION,
        "Clip skip": "2",
    }


# --- real A1111 infotext -------------------------------------------------------------------------------
A1111_SAMPLE = (
    "masterpiece, best quality, 1girl, solo, (looking at viewer:1.2), <lora:add_detail:0.8>\n"
    "Negative prompt: (worst quality, low quality:1.4), easynegative\n"
    "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 3862164412, "
    "Size: 512x768, Model hash: 7f96a1a9ca, Model: anything-v5, Denoising strength: 0.45, Clip skip: 2, "
    'Hires upscale: 2, Hires upscaler: R-ESRGAN 4x+ Anime6B, Lora hashes: "add_detail: 7c6bad76eb54", '
    "Version: v1.10.1"
)


def test_real_a1111_sample_parses_into_its_fields() -> None:
    assert parse_infotext(A1111_SAMPLE) == {
        "Prompt": "masterpiece, best quality, 1girl, solo, (looking at viewer:1.2), <lora:add_detail:0.8>",
        "Negative prompt": "(worst quality, low quality:1.4), easynegative",
        "Steps": "28",
        "Sampler": "DPM++ 2M",
        "Schedule type": "Karras",
        "CFG scale": "7",
        "Seed": "3862164412",
        "Size": "512x768",
        "Model hash": "7f96a1a9ca",
        "Model": "anything-v5",
        "Denoising strength": "0.45",
        "Clip skip": "2",
        "Hires upscale": "2",
        "Hires upscaler": "R-ESRGAN 4x+ Anime6B",
        "Lora hashes": "add_detail: 7c6bad76eb54",
        "Version": "v1.10.1",
    }


def test_a1111_docstring_sample_with_multiline_prompt() -> None:
    text = (
        "girl with an artist's beret, determined, blue eyes\n"
        "desert scene, computer monitors\n"
        "Negative prompt: ugly, fat, (((deformed))), [blurry]\n"
        "bad anatomy\n"
        "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x512, Model hash: 45dee52b"
    )
    parsed = parse_infotext(text)
    assert parsed["Prompt"] == "girl with an artist's beret, determined, blue eyes\ndesert scene, computer monitors"
    assert parsed["Negative prompt"] == "ugly, fat, (((deformed))), [blurry]\nbad anatomy"
    assert parsed["Model hash"] == "45dee52b"
    assert parsed["Sampler"] == "Euler a"


def test_last_line_with_fewer_than_three_pairs_is_prompt_text() -> None:
    text = "a cat\nSteps: 20, Seed: 1"
    assert parse_infotext(text) == {"Prompt": "a cat\nSteps: 20, Seed: 1", "Negative prompt": ""}
    three = parse_infotext("a cat\nSteps: 20, Seed: 1, Sampler: Euler")
    assert three == {"Prompt": "a cat", "Negative prompt": "", "Steps": "20", "Seed": "1", "Sampler": "Euler"}


def test_plain_prompt_without_parameters() -> None:
    assert parse_infotext("  just a prompt  \n") == {"Prompt": "just a prompt", "Negative prompt": ""}


def test_parse_agrees_with_a1111_on_its_sample() -> None:
    ours = parse_infotext(A1111_SAMPLE)
    theirs = a1111_parse_generation_parameters(A1111_SAMPLE)
    width, height = ours.pop("Size").split("x")
    assert theirs.pop("Size-1") == width
    assert theirs.pop("Size-2") == height
    assert ours == theirs
