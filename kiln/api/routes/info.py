"""What kiln knows: token counts, models, styles, presets; and the caller's usage against its quota."""

from __future__ import annotations

from fastapi import APIRouter

from kiln.api.auth import remote_cost, usage
from kiln.api.deps import CallerDep, ServicesDep, SettingsDep, StoreDep
from kiln.api.schemas.info import (
    EncoderCount,
    FamilyPresets,
    ModelEntry,
    ModelList,
    Presets,
    StyleEntry,
    StyleList,
    TokensRequest,
    TokensResponse,
    Usage,
)
from kiln.api.views import usage_view
from kiln.engine.catalog import list_models, resolve_model
from kiln.engine.families import FAMILIES, QUALITY_NAMES
from kiln.engine.tokens import analyse_tokens
from kiln.presets.aspect import ASPECT_RATIOS, DEFAULT_ASPECT, size_for_aspect
from kiln.remote.models import listed_models
from kiln.types import OUTPUT_FORMATS

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["info"])


@router.post("/tokens", response_model=TokensResponse, summary="Count a prompt's tokens per text encoder")
def count_tokens(body: TokensRequest, settings: SettingsDep, _caller: CallerDep) -> TokensResponse:
    name = body.model or settings.default_model
    info = resolve_model(name, local=name.strip() == settings.default_model.strip())  # callers name no files
    encoders = [
        EncoderCount(
            encoder=row.encoder,
            kind=row.kind,
            tokens=row.count,
            limit=row.limit,
            truncated=row.truncated,
            overflow_words=list(row.overflow_words),
        )
        for row in analyse_tokens(info, body.prompt)
    ]
    return TokensResponse(model=info.name, family=info.family.name, encoders=encoders)


@router.get("/models", response_model=ModelList, summary="Built-in, known hub and configured remote models")
def models(settings: SettingsDep, _caller: CallerDep) -> ModelList:
    entries = []
    for info in [*list_models(), *listed_models(settings)]:
        family = info.family
        entries.append(
            ModelEntry(
                id=info.name,
                family=family.name,
                source=info.source,
                description=info.description,
                default=info.name == settings.default_model,
                default_steps=family.default_steps,
                default_guidance=family.default_guidance,
                default_size=size_for_aspect(DEFAULT_ASPECT, family.default_megapixels, family.size_multiple),
                size_multiple=family.size_multiple,
                supports_negative=family.supports_negative,
                video=family.is_video,
            )
        )
    return ModelList(data=entries)


@router.get("/styles", response_model=StyleList, summary="Styles: prompt templates with negative prompts")
def styles(services: ServicesDep, _caller: CallerDep) -> StyleList:
    return StyleList(data=[StyleEntry(name=s.name, prompt=s.prompt, negative=s.negative) for s in services.styles])


@router.get("/presets", response_model=Presets, summary="Quality presets per family, aspect ratios, formats")
def presets(_caller: CallerDep) -> Presets:
    families = {
        name: FamilyPresets(
            quality_steps=dict(f.quality_steps),
            default_steps=f.default_steps,
            max_steps=f.max_steps,
            default_guidance=f.default_guidance,
            default_megapixels=f.default_megapixels,
            size_multiple=f.size_multiple,
            min_side=f.min_side,
            max_side=f.max_side,
            supports_negative=f.supports_negative,
            schedulers=list(f.schedulers),
        )
        for name, f in FAMILIES.items()
    }
    return Presets(
        families=families,
        aspect_ratios=list(ASPECT_RATIOS),
        formats=list(OUTPUT_FORMATS),
        qualities=list(QUALITY_NAMES),
    )


@router.get("/usage", response_model=Usage, summary="Images charged in the rolling 24 hours before now, and the quota")
def get_usage(store: StoreDep, caller: CallerDep) -> Usage:
    return usage_view(caller, usage(store, caller), remote_cost(store, caller))
