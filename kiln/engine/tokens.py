"""Token analysis: how many tokens each text encoder of a model reads from a prompt, and which words fall past
its limit (and are therefore never seen by that encoder)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kiln.engine.catalog import ModelInfo
from kiln.engine.families import TextEncoder
from kiln.engine.quiet import quiet_transformers
from kiln.errors import ModelLoadError

__all__ = ["EncoderTokens", "analyse_tokens"]


@dataclass(frozen=True, slots=True)
class EncoderTokens:
    """One encoder's view of a prompt. `count` includes the special tokens the encoder adds (BOS/EOS)."""

    encoder: str
    kind: str
    count: int
    limit: int
    overflow_words: tuple[str, ...]

    @property
    def truncated(self) -> bool:
        return self.count > self.limit


@lru_cache(maxsize=8)
def _builtin_tokenizer(kind: str) -> Any:
    from kiln.engine.tiny import tokenizers

    builders = {
        "clip": tokenizers.clip_tokenizer,
        "t5": tokenizers.t5_tokenizer,
        "qwen": tokenizers.qwen_tokenizer,
        "gemma": tokenizers.gemma_tokenizer,
    }
    return builders[kind]()


@lru_cache(maxsize=16)
def _pretrained_tokenizer(location: str, subfolder: str) -> Any:
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(location, subfolder=subfolder)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot read the {subfolder} of {location!r} (not downloaded?): {exc}") from exc


def _tokenizer(info: ModelInfo, encoder: TextEncoder) -> Any:
    if info.source == "builtin" or info.source == "single_file":
        # single files carry no tokenizer; their families use the standard CLIP/T5 vocabularies
        return _builtin_tokenizer(encoder.kind)
    return _pretrained_tokenizer(info.location, encoder.tokenizer_subfolder)


def _count(tokenizer: Any, text: str) -> int:
    return len(tokenizer(text, truncation=False, add_special_tokens=True)["input_ids"])


def _analyse(tokenizer: Any, encoder: TextEncoder, prompt: str) -> EncoderTokens:
    count = _count(tokenizer, prompt)
    words = prompt.split()
    overflow: tuple[str, ...] = ()
    if count > encoder.max_tokens:
        # the longest prefix of words that fits: token counts grow with the prefix, so bisect on it
        low, high = 0, len(words)
        while low < high:
            middle = (low + high + 1) // 2
            if _count(tokenizer, " ".join(words[:middle])) <= encoder.max_tokens:
                low = middle
            else:
                high = middle - 1
        overflow = tuple(words[low:])
    return EncoderTokens(encoder.name, encoder.kind, count, encoder.max_tokens, overflow)


def analyse_tokens(info: ModelInfo, prompt: str) -> list[EncoderTokens]:
    """Token counts of `prompt` for each text encoder of the model's family."""
    quiet_transformers()
    return [_analyse(_tokenizer(info, encoder), encoder, prompt) for encoder in info.family.text_encoders]
