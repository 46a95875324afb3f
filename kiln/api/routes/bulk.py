"""`POST /v1/bulk/parse`: a bulk file (.jsonl, .csv, .txt) read by the CLI's rules (`kiln.jobs.bulk_input`), so the
studio shows errors by line before it submits one job of the rows."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from fastapi import APIRouter

from kiln.api.deps import CallerDep, SettingsDep
from kiln.api.errors import ApiError
from kiln.api.schemas.bulk import BulkParsed, BulkParseRequest
from kiln.errors import InvalidInput
from kiln.jobs.bulk_input import parse_bulk_text, row_labels, specs_from_rows

__all__ = ["MAX_LINE_ERRORS", "router"]

router = APIRouter(prefix="/v1", tags=["jobs"])
MAX_LINE_ERRORS = 50  # of a file's bad lines, listed in `details`


@router.post("/bulk/parse", response_model=BulkParsed, summary="Read a bulk file's lines or rows into image specs")
def parse_bulk(body: BulkParseRequest, _caller: CallerDep, settings: SettingsDep) -> BulkParsed:
    """Every line's problem at once (up to 50, in `error.details` as `{where, field, message}`), so a file is fixed
    in one pass; a file that cannot be read at all (a bad header, a line that is not JSON) names its first problem."""
    source = body.filename
    try:
        rows = parse_bulk_text(body.text.removeprefix("\ufeff"), PurePosixPath(source).suffix.lower(), source)
    except InvalidInput as exc:  # the file as a whole cannot be read: its first problem, about the text
        where = exc.where or source
        problem = {"where": where, "field": exc.field, "message": exc.message}
        raise ApiError(
            422, "invalid_input", f"{where}: {exc.message}", field="text", extra={"details": [problem]}
        ) from exc
    if len(rows) > settings.max_items:  # no job could hold them: say so now, not after a reply of megabytes
        raise ApiError(
            422,
            "invalid_input",
            f"{source} has {len(rows)} rows; a job holds at most {settings.max_items} (KILN_MAX_ITEMS): split the file",
            field="text",
        )
    items: list[dict[str, Any]] = []
    problems: list[dict[str, str]] = []
    for row, where in zip(rows, row_labels(rows, source), strict=True):
        try:
            (spec,) = specs_from_rows([row], {})
        except InvalidInput as exc:
            problems.append({"where": where, "field": exc.field, "message": exc.message})
            continue
        items.append(spec.model_dump(mode="json", exclude_unset=True))
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more line(s) with problems)" if len(problems) > 1 else ""
        raise ApiError(
            422,
            "invalid_input",
            f"{first['where']}: {first['field']}: {first['message']}{more}",
            field="text",
            extra={"details": problems[:MAX_LINE_ERRORS]},
        )
    return BulkParsed(items=items, labels=[label for label, _ in rows])
