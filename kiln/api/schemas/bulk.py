"""Schemas of `/v1/bulk/parse`: a bulk file's text in, one image spec per line or row out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from kiln.jobs.text import PlainText

__all__ = ["BulkParseRequest", "BulkParsed"]


class BulkParseRequest(PlainText):
    filename: str = Field(
        min_length=5,
        max_length=255,
        pattern=r"^[^/\\\x00-\x1f]+\.(?i:jsonl|csv|txt)$",
        description="The file's name; its suffix (.jsonl, .csv or .txt) says how to read it, as `kiln generate "
        "--from` does",
    )
    text: str = Field(max_length=10_000_000, description="The file's text (UTF-8, a leading BOM ignored)")


class BulkParsed(BaseModel):
    items: list[dict[str, Any]] = Field(
        description="One image spec per line or row, with only the fields it sets: send as `items` of "
        "`POST /v1/jobs` (with `defaults` for the rest)"
    )
    labels: list[str] = Field(description="Each item's line or row ('line 7', 'row 3'), for errors about items.N")
