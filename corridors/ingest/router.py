"""OpenRosa endpoints for ODK Collect (server URL: ``<public url>/openrosa``).

Exactly as docs.getodk.org/openrosa-http, -form-list, -form-submission, -authentication ask:
``X-OpenRosa-Version: 1.0`` and ``Date`` on every response; HTTP Digest (MD5, qop=auth)
challenges on 401; ``HEAD /submission`` -> 204 with ``X-OpenRosa-Accept-Content-Length``;
``POST /submission`` -> 201 with an ``OpenRosaResponse`` (a 200 would count as a failure in
Collect), 400 bad XML or refused values, 409 conflicting resend, 413 too large.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session

from corridors.ingest import service
from corridors.ingest.openrosa import OPENROSA_VERSION, form_list_xml, openrosa_response
from ttt.config import get_settings
from ttt.http.deps import DbSession
from ttt.http.schemas import text_response
from ttt.users import Principal

router = APIRouter(prefix="/openrosa", tags=["openrosa"])

XML = "text/xml; charset=utf-8"
SUBMITTERS = ("admin", "analyst", "enumerator")


def _headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    # ``Date`` (RFC 1123) is added by the HTTP server itself (uvicorn's default date header);
    # setting it here too would send two.
    h = {"X-OpenRosa-Version": OPENROSA_VERSION}
    h.update(extra or {})
    return h


def _uri(request: Request) -> str:
    q = request.url.query
    return request.url.path + (f"?{q}" if q else "")


def _auth(request: Request, session: Session) -> tuple[Principal | None, Response | None]:
    """The caller, or the 401/403 response to send instead."""
    lang = service.lang_of(request.headers.get("accept-language"))
    res = service.authenticate_openrosa(session, request.headers.get("authorization"), request.method,
                                        _uri(request))
    if res.principal is not None:
        request.state.principal = res.principal  # the audit log records who it was
    if res.principal is None:
        msg = "Authentification requise" if lang == "fr" else "Authentication required"
        body = b"" if request.method == "HEAD" else openrosa_response(f"{msg}: {res.reason}", "submit_error")
        return None, Response(body, 401, _headers({"WWW-Authenticate": res.challenge or ""}), media_type=XML)
    if res.principal.role not in SUBMITTERS:
        msg = f"role {res.principal.role!r} may not submit observations"
        body = b"" if request.method == "HEAD" else openrosa_response(msg, "submit_error")
        return None, Response(body, 403, _headers(), media_type=XML)
    return res.principal, None


@router.get("/formList", response_class=Response, responses=text_response(XML, "OpenRosa xforms list"), summary="OpenRosa form list (ODK Collect)")
def form_list(request: Request, session: DbSession) -> Response:
    _, denied = _auth(request, session)
    if denied is not None:
        return denied
    forms = service.served_forms()
    wanted = request.query_params.get("formID")
    if wanted:
        forms = [f for f in forms if f.form_id == wanted]
    urls = {f.form_id: str(request.url_for("openrosa_form", form_id=f.form_id)) for f in forms}
    return Response(form_list_xml(forms, urls), 200, _headers(), media_type=XML)


@router.get("/forms/{form_id}.xml", name="openrosa_form", response_class=Response,
            responses=text_response(XML, "the XForm"), summary="Download an XForm (ODK Collect)")
def form_download(form_id: str, request: Request, session: DbSession) -> Response:
    _, denied = _auth(request, session)
    if denied is not None:
        return denied
    for f in service.served_forms():
        if f.form_id == form_id:
            return Response(f.xml, 200, _headers(), media_type=XML)
    return Response(openrosa_response(f"no form {form_id!r}", "submit_error"), 404, _headers(), media_type=XML)


@router.head("/submission", status_code=204, response_class=Response, summary="OpenRosa pre-flight (ODK Collect)")
def submission_head(request: Request, session: DbSession) -> Response:
    _, denied = _auth(request, session)
    if denied is not None:
        return denied
    accept = str(get_settings().max_body_bytes)
    return Response(status_code=204, headers=_headers({"X-OpenRosa-Accept-Content-Length": accept}))


@router.post("/submission", status_code=201, response_class=Response,
             responses=text_response(XML, "OpenRosa response: what was stored, or why not", 201), summary="OpenRosa submission (ODK Collect)")
async def submission_post(request: Request, session: DbSession) -> Response:
    principal, denied = await run_in_threadpool(_auth, request, session)
    if denied is not None:
        return denied
    lang = service.lang_of(request.headers.get("accept-language"))
    accept = {"X-OpenRosa-Accept-Content-Length": str(get_settings().max_body_bytes)}
    ctype = request.headers.get("content-type", "")
    xml: bytes | None = None
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        part = form.get("xml_submission_file")
        if part is not None and not isinstance(part, str):
            xml = await part.read()
        elif isinstance(part, str):
            xml = part.encode("utf-8")
    if xml is None:
        msg = "expected a multipart/form-data body with an 'xml_submission_file' part"
        return Response(openrosa_response(msg, "submit_error"), 400, _headers(accept), media_type=XML)

    def work() -> service.Reply:
        reply = service.receive_submission(session, xml, principal, lang)
        session.commit()
        return reply

    reply = await run_in_threadpool(work)
    return Response(openrosa_response(reply.message, reply.nature), reply.status, _headers(accept),
                    media_type=XML)
