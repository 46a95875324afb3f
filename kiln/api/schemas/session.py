"""Schemas of the studio's session (`kiln.api.routes.session`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["SessionView"]


class SessionView(BaseModel):
    auth: Literal["on", "off"] = Field(description="Whether this server asks for API keys ('off': no sign-in)")
    signed_in: bool = Field(description="The request carries a valid key (session cookie or Bearer header)")
    key_name: str | None = Field(description="The name of the key signed in with")
