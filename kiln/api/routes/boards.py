"""`/v1/boards`: named collections of the caller's artifacts."""

from __future__ import annotations

from fastapi import APIRouter, Response

from kiln.api.deps import CallerDep, StoreDep
from kiln.api.errors import ApiError
from kiln.api.gallery_views import board_view
from kiln.api.schemas.gallery import MAX_IDS, BoardChange, BoardList, BoardName, BoardView
from kiln.errors import InvalidInput, NotFound
from kiln.jobs.gallery import BoardNameTaken, BoardRecord, UnknownArtifact

__all__ = ["router"]

router = APIRouter(prefix="/v1/boards", tags=["boards"])


def _found(board: BoardRecord | None, board_id: str) -> BoardView:
    if board is None:
        raise NotFound(f"no board {board_id[:64]!r}")
    return board_view(board)


def _taken(exc: BoardNameTaken) -> ApiError:
    return ApiError(409, "name_taken", str(exc), field="name")


@router.get("", response_model=BoardList, summary="The caller's boards, by name")
def list_boards(store: StoreDep, caller: CallerDep) -> BoardList:
    return BoardList(data=[board_view(b) for b in store.list_boards(owner=caller.owner)])


@router.post("", status_code=201, response_model=BoardView, summary="Make a board")
def create_board(body: BoardName, store: StoreDep, caller: CallerDep) -> BoardView:
    try:
        return board_view(store.create_board(body.name, owner=caller.owner))
    except BoardNameTaken as exc:
        raise _taken(exc) from exc


@router.get("/{board_id}", response_model=BoardView, summary="A board")
def get_board(board_id: str, store: StoreDep, caller: CallerDep) -> BoardView:
    return _found(store.get_board(board_id, owner=caller.owner), board_id)


@router.patch("/{board_id}", response_model=BoardView, summary="Rename a board")
def rename_board(board_id: str, body: BoardName, store: StoreDep, caller: CallerDep) -> BoardView:
    try:
        return _found(store.rename_board(board_id, body.name, owner=caller.owner), board_id)
    except BoardNameTaken as exc:
        raise _taken(exc) from exc


@router.delete("/{board_id}", status_code=204, response_class=Response, summary="Delete a board (its artifacts stay)")
def delete_board(board_id: str, store: StoreDep, caller: CallerDep) -> Response:
    if not store.delete_board(board_id, owner=caller.owner):
        raise NotFound(f"no board {board_id[:64]!r}")
    return Response(status_code=204)


@router.post("/{board_id}/artifacts", response_model=BoardView, summary="Add artifacts to a board, take some out")
def change_board(board_id: str, body: BoardChange, store: StoreDep, caller: CallerDep) -> BoardView:
    """Every id must be one of the caller's artifacts (else 404 naming it, and nothing changes); adding one the board
    holds, or removing one it does not, changes nothing."""
    if len(body.add) + len(body.remove) > MAX_IDS:
        raise InvalidInput("add", f"at most {MAX_IDS} ids in add and remove together; send the rest in another request")
    try:
        board = store.change_board(board_id, owner=caller.owner, add=body.add, remove=body.remove)
    except UnknownArtifact as exc:
        where = "add" if exc.artifact_id in body.add else "remove"
        index = (body.add if where == "add" else body.remove).index(exc.artifact_id)
        raise ApiError(404, "not_found", f"no artifact {exc.artifact_id[:64]!r}", field=f"{where}.{index}") from exc
    return _found(board, board_id)
