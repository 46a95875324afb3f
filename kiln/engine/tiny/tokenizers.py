"""Tokenizers built in memory from the shipped assets: no hub, no files written.

transformers 5.x tokenizer classes take the vocabulary and merges in memory. The CLIP tokenizer is the real
49,408-token OpenAI vocabulary, so token counts on the tiny models match real CLIP models.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib.resources import files
from typing import Any

__all__ = ["clip_tokenizer", "gemma_tokenizer", "qwen_tokenizer", "t5_tokenizer"]

_ASSETS = files("kiln.engine.tiny") / "assets"

_QWEN_CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n"
    "{% if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n{% endif %}{% endif %}"
)


@lru_cache(maxsize=1)
def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2 / CLIP's reversible byte -> printable character map."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in chars), strict=True))


@lru_cache(maxsize=1)
def _clip_vocab_and_merges() -> tuple[dict[str, int], list[tuple[str, str]]]:
    raw = gzip.decompress((_ASSETS / "bpe_simple_vocab_16e6.txt.gz").read_bytes()).decode("utf-8")
    lines = raw.split("\n")[1 : 49152 - 256 - 2 + 1]  # what OpenAI CLIP and open_clip take
    merges = [(first, second) for first, second in (line.split() for line in lines)]
    alphabet = list(_bytes_to_unicode().values())
    vocab = [*alphabet, *(c + "</w>" for c in alphabet), *(first + second for first, second in merges)]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    return {token: i for i, token in enumerate(vocab)}, merges


def clip_tokenizer() -> Any:
    """OpenAI CLIP's tokenizer (identical ids to openai/clip-vit-large-patch14), 77 tokens."""
    from transformers import CLIPTokenizer

    vocab, merges = _clip_vocab_and_merges()
    return CLIPTokenizer(vocab=dict(vocab), merges=list(merges), model_max_length=77)


@lru_cache(maxsize=1)
def _t5_pieces() -> list[tuple[str, float]]:
    import sentencepiece as spm

    model = spm.SentencePieceProcessor(model_proto=(_ASSETS / "botchan_en_unigram_1000.model").read_bytes())
    specials = {"<pad>", "</s>", "<unk>", "<s>"}
    body = [(model.id_to_piece(i), model.get_score(i)) for i in range(model.get_piece_size())]
    body = [(piece, score) for piece, score in body if piece not in specials]
    extra_ids = [(f"<extra_id_{i}>", 0.0) for i in range(99, -1, -1)]
    # T5's layout: pad=0, eos=1, unk=2 (T5Tokenizer hard-codes unk at 2), then the pieces, then extra ids
    return [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), *body, *extra_ids]


def t5_tokenizer(model_max_length: int = 512) -> Any:
    """A T5 tokenizer over a 1,000-piece unigram model (the tiny T5 encoders' vocabulary)."""
    from transformers import T5Tokenizer

    return T5Tokenizer(vocab=list(_t5_pieces()), model_max_length=model_max_length)


def qwen_tokenizer() -> Any:
    """A byte-level Qwen2 tokenizer (256 byte symbols plus chat specials) with a chat template, for Z-Image."""
    from transformers import Qwen2Tokenizer

    vocab = {char: i for i, char in enumerate(_bytes_to_unicode().values())}
    tokenizer = Qwen2Tokenizer(vocab=vocab, merges=[], model_max_length=32768)
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.chat_template = _QWEN_CHAT_TEMPLATE
    return tokenizer


def gemma_tokenizer() -> Any:
    """A byte-level Gemma tokenizer (pad, eos, bos, unk, then the 256 byte symbols), for the tiny LTX-2's Gemma 3."""
    from transformers import GemmaTokenizer

    specials = ["<pad>", "<eos>", "<bos>", "<unk>"]
    vocab = {token: i for i, token in enumerate([*specials, *_bytes_to_unicode().values()])}
    return GemmaTokenizer(vocab=vocab, merges=[], model_max_length=1024)
