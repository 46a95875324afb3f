"""`GET /v1/loras`: the LoRAs a caller may name (built-ins and the server's LoRA folder) and the ControlNet types
per family. Names only: never a path of the server's disk."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kiln.api.deps import CallerDep, SettingsDep
from kiln.engine.control_catalog import COMPUTED_TYPES, control_types
from kiln.engine.families import FAMILIES
from kiln.engine.lora_catalog import list_loras

__all__ = ["LoraEntryView", "LoraList", "router"]

router = APIRouter(prefix="/v1", tags=["info"])


class LoraEntryView(BaseModel):
    name: str = Field(description="What `loras[].name` and `<lora:name:w>` take")
    source: str = Field(description="builtin, or folder (a file in KILN_LORA_DIR)")
    family: str | None = Field(default=None, description="The family a built-in LoRA fits")
    size_bytes: int


class ControlTypes(BaseModel):
    family: str
    types: list[str] = Field(description="`control.type` values; canny is computed from any picture")
    computed: list[str]


class LoraList(BaseModel):
    data: list[LoraEntryView]
    control: list[ControlTypes]


@router.get("/loras", response_model=LoraList, summary="LoRAs to apply, and ControlNet types per family")
def loras(settings: SettingsDep, _caller: CallerDep) -> LoraList:
    entries = [
        LoraEntryView(name=e.name, source=e.source, family=e.family, size_bytes=e.size_bytes)
        for e in list_loras(settings.resolved_lora_dir())
    ]
    controls = [
        ControlTypes(family=name, types=list(types), computed=sorted(COMPUTED_TYPES & set(types)))
        for name in FAMILIES
        if (types := control_types(name))
    ]
    return LoraList(data=entries, control=controls)
