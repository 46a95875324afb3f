"""Gallery entries and boards as API views: an artifact with the recipe its lightbox shows."""

from __future__ import annotations

from typing import Any

from kiln.api.schemas.gallery import BoardView, GalleryArtifact
from kiln.api.views import artifact_url, artifact_view
from kiln.errors import UnknownStyle
from kiln.jobs.gallery import BoardRecord, GalleryEntry
from kiln.media.infotext import build_infotext
from kiln.presets.styles import StyleBook
from kiln.task_item import TaskItem
from kiln.types import ImageItem

__all__ = ["board_view", "gallery_artifact", "thumbnail_url", "user_negative"]


def thumbnail_url(base: str, artifact_id: str) -> str:
    return f"{artifact_url(base, artifact_id)}/thumbnail"


def user_negative(item: ImageItem, styles: StyleBook) -> str:
    """The negative prompt the user wrote: the item's, without its style's words (the planner put them first)."""
    if not item.style:
        return item.negative_prompt
    try:
        words = styles.get(item.style).negative.strip()
    except UnknownStyle:  # a style the server no longer has: its words cannot be told apart
        return item.negative_prompt
    if not words:
        return item.negative_prompt
    if item.negative_prompt == words:
        return ""
    return item.negative_prompt.removeprefix(f"{words}, ")


def _recipe(entry: GalleryEntry, styles: StyleBook) -> dict[str, Any]:
    item, metadata = entry.item, entry.artifact.metadata
    sampler = metadata.get("sampler") if isinstance(metadata.get("sampler"), str) else None
    if isinstance(item, ImageItem):
        found = metadata.get("model_label")
        label = found if isinstance(found, str) else item.model
        sampler = sampler or item.scheduler
        return {
            "prompt": item.user_prompt,
            "negative_prompt": user_negative(item, styles),
            "model": item.model,
            "style": item.style,
            "seed": item.seed,
            "steps": item.steps,
            "guidance": item.guidance,
            "sampler": sampler,
            "infotext": build_infotext(item, sampler=sampler, model_label=label),
        }
    recipe: dict[str, Any] = dict.fromkeys(
        ("prompt", "negative_prompt", "model", "style", "seed", "steps", "guidance", "infotext")
    )
    recipe["sampler"] = sampler
    if isinstance(item, TaskItem):
        request = item.request
        recipe["model"] = item.model or None
        for name, kind in (("prompt", str), ("negative_prompt", str), ("seed", int), ("steps", int)):
            value = request.get(name)
            recipe[name] = value if isinstance(value, kind) and not isinstance(value, bool) else None
    return recipe


def gallery_artifact(base: str, entry: GalleryEntry, styles: StyleBook) -> GalleryArtifact:
    artifact = entry.artifact
    return GalleryArtifact(
        **artifact_view(base, artifact).model_dump(),
        **_recipe(entry, styles),
        job_id=artifact.job_id,
        starred=entry.starred,
        boards=list(entry.boards),
        thumbnail_url=thumbnail_url(base, artifact.id),
    )


def board_view(board: BoardRecord) -> BoardView:
    return BoardView(
        id=board.id,
        name=board.name,
        count=board.count,
        cover_artifact_id=board.cover_artifact_id,
        created_at=board.created_at,
    )
