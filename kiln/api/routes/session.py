"""`/v1/session`: the studio signs in once with an API key and gets the session cookie (`kiln.api.session`).

`POST` takes the key as `Authorization: Bearer <key>` (never in a body or a URL) and answers 204 with the cookie;
`GET` says whether the browser is signed in (never a 401: the studio asks it before showing a sign-in form);
`DELETE` clears the cookie. Signing out ends this browser's session; revoking the key ends every session of it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kiln.api.auth import Caller
from kiln.api.deps import Credentials, ServicesDep, TokenDep, credentials_of, load_caller
from kiln.api.schemas.session import SessionView
from kiln.api.session import COOKIE, require_same_origin
from kiln.errors import Unauthorized

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["session"])
_SIGN_IN = "sign in with an API key: send it as 'Authorization: Bearer <your kiln key>'"


def _set_cookie(response: Response, request: Request, value: str, max_age: int) -> None:
    secure = request.url.scheme == "https"
    response.set_cookie(COOKIE, value, max_age=max_age, path="/", httponly=True, samesite="strict", secure=secure)


@router.post(
    "/session",
    status_code=204,
    response_class=Response,
    summary="Sign in: the key in the Authorization header becomes an HttpOnly session cookie",
)
async def sign_in(request: Request, services: ServicesDep, bearer: TokenDep) -> Response:
    response = Response(status_code=204)
    if services.settings.auth == "off":
        return response  # nothing to sign in to
    if bearer is None:
        raise Unauthorized(_SIGN_IN)
    caller = await load_caller(services, Credentials(token=bearer.credentials))
    assert caller.owner is not None
    _set_cookie(response, request, services.sessions.issue(caller.owner), services.sessions.ttl_seconds)
    return response


@router.get("/session", response_model=SessionView, summary="Whether this browser is signed in, and as which key")
async def get_session(request: Request, response: Response, services: ServicesDep, bearer: TokenDep) -> SessionView:
    auth = services.settings.auth
    if auth == "off":
        return SessionView(auth=auth, signed_in=False, key_name=None)
    caller: Caller | None = None
    try:
        credentials = credentials_of(services, request, bearer.credentials if bearer is not None else None)
        if credentials.token is not None or credentials.session_key is not None:
            caller = await load_caller(services, credentials)
    except Unauthorized:
        caller = None
    if caller is None and COOKIE in request.cookies:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")  # stale: forget it
    return SessionView(auth=auth, signed_in=caller is not None, key_name=caller.key_name if caller else None)


@router.delete("/session", status_code=204, response_class=Response, summary="Sign out: clear the session cookie")
async def sign_out(request: Request) -> Response:
    if COOKIE in request.cookies:
        require_same_origin(request)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response
