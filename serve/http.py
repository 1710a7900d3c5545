"""The HTTP face of the publisher: an ASGI application (Starlette) over the published surfaces.

Routes (all ``GET``; errors are JSON ``{"error": ...}`` with a 4xx status, never a 5xx):

``/v1/surfaces``             ids, models, versions, publication times and shapes of every surface.
``/v1/surfaces/{id}``        one surface, as JSON (default) or, by ``Accept``, an Arrow IPC file
                             (``application/vnd.apache.arrow.file``) or stream (``...arrow.stream``);
                             a strong ``ETag`` per version and representation, ``If-None-Match`` -> 304.
``/v1/quote?surface=&t=&q=`` one quote (``interp=nearest|linear``): ``engine.surface.surface_lookup``
                             on the published version, with the version and the clamp flags.
``/healthz``                 liveness and the last refresh (open even when a token is required).
``/metrics``                 Prometheus text exposition format 0.0.4: requests by route and status,
                             surface versions and ages, refreshes, failures and reloads.

With a token every route but ``/healthz`` needs ``Authorization: Bearer <token>`` (401 otherwise).
Response bodies of a surface are encoded once per version and kept, so a large surface costs its
encoding once, not per request (the slow-JSON problem of large responses).

Starlette (the ``serve`` extra) is imported when the application is built.
"""

from __future__ import annotations

import hmac
import json
import math
import time
from typing import Any
from urllib.parse import parse_qsl

from ..engine.surface import CLAMP_INVENTORY, CLAMP_TIME, surface_lookup
from ..errors import HardwareError
from .arrow import ARROW_FILE, ARROW_STREAM

__all__ = ["create_app", "quote_answer", "ROUTES", "negotiate"]

ROUTES = ("/v1/surfaces", "/v1/surfaces/{id}", "/v1/quote", "/healthz", "/metrics")
"""The route templates, also the ``route`` label of the request metrics (``other`` for the rest)."""

_JSON = "application/json"
_KINDS = {ARROW_FILE: "arrow", ARROW_STREAM: "arrow-stream", _JSON: "json"}


def negotiate(accept: str | None) -> str | None:
    """The representation an ``Accept`` header asks for: ``"json"``, ``"arrow"``, ``"arrow-stream"``,
    or ``None`` when it accepts none of them (the highest ``q`` wins, the first listed on ties; ``*/*``
    is JSON)."""
    if not accept:
        return "json"
    best, best_q = None, 0.0
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if not math.isfinite(q) or q <= 0:
            continue
        kind = _KINDS.get(media) or ("json" if media in ("*/*", "application/*") else None)
        if kind is not None and q > best_q:
            best, best_q = kind, q
    return best


def _route(path: str) -> str:
    if path in ("/v1/surfaces", "/v1/quote", "/healthz", "/metrics"):
        return path
    if path.startswith("/v1/surfaces/") and "/" not in path[len("/v1/surfaces/") :]:
        return "/v1/surfaces/{id}"
    return "other"


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def quote_answer(publications: dict, query_string: bytes) -> tuple[int, dict]:
    """``(status, JSON document)`` of ``GET /v1/quote`` for a raw query string: the quote of
    ``engine.surface.surface_lookup`` on the published version, or a 4xx with its error."""
    try:
        qp = dict(
            parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, strict_parsing=False, max_num_fields=16)
        )
    except ValueError as exc:
        return 400, {"error": f"bad query string: {exc}"}
    for key in qp:
        if key not in ("surface", "t", "q", "interp"):
            return 400, {"error": f"unknown query parameter {key[:40]!r}; use surface, t, q and interp"}
    missing = [k for k in ("surface", "t", "q") if k not in qp]
    if missing:
        return 400, {"error": f"missing query parameter {missing[0]!r} (GET /v1/quote?surface=ID&t=SECONDS&q=LOTS)"}
    try:
        t = float(qp["t"])
    except ValueError:
        return 400, {"error": f"t must be a number (time to horizon), got {qp['t'][:40]!r}"}
    if not math.isfinite(t):
        return 400, {"error": f"t must be finite, got {qp['t'][:40]!r}"}
    try:
        q = int(qp["q"])
    except ValueError:
        return 400, {"error": f"q must be an integer (inventory in lots), got {qp['q'][:40]!r}"}
    if abs(q) > 2**62:
        return 400, {"error": f"q must lie within +-2**62, got {qp['q'][:40]}"}
    interp = qp.get("interp", "nearest")
    if interp not in ("nearest", "linear"):
        return 400, {"error": f"interp must be nearest or linear, got {interp[:40]!r}"}
    sid = qp["surface"]
    pub = publications.get(sid)
    if pub is None:
        return 404, {"error": f"no surface {sid[:80]!r}", "surfaces": sorted(publications)}
    bd, ad, bs, as_, flags = surface_lookup(pub.table, t, q, interp == "linear")
    return 200, {
        "surface": sid,
        "version": pub.version,
        "published_ns": pub.stamp_ns,
        "time_to_horizon_s": t,
        "inventory_lots": q,
        "interp": interp,
        "bid_depth": _finite_or_none(bd),
        "ask_depth": _finite_or_none(ad),
        "bid_size_lots": int(bs),
        "ask_size_lots": int(as_),
        "clamped_time": bool(flags & CLAMP_TIME),
        "clamped_inventory": bool(flags & CLAMP_INVENTORY),
    }


def create_app(publisher: Any, token: str | None = None) -> Any:
    """The ASGI application serving ``publisher``'s surfaces.

    Parameters
    ----------
    publisher : quantforge.serve.publisher.Publisher
        Whose ``publications`` (surface id -> publication) and counters are served.
    token : str, optional
        A bearer token every route but ``/healthz`` requires.

    Returns
    -------
    ASGI application

    Raises
    ------
    HardwareError
        If Starlette is not installed (``quantforge[serve]``).
    """
    try:
        from starlette.applications import Starlette
        from starlette.exceptions import HTTPException
        from starlette.responses import JSONResponse, Response
        from starlette.routing import Route
    except ImportError as exc:
        raise HardwareError(
            f"starlette is needed for the HTTP server but cannot be imported ({exc}); install quantforge[serve]"
        ) from None

    requests: dict[tuple[str, int], int] = {}
    seconds: dict[str, float] = {}

    def error(status: int, message: str, **extra: Any) -> Response:
        return JSONResponse({"error": message, **extra}, status_code=status)

    async def list_surfaces(request):
        pubs = publisher.publications
        return JSONResponse({"publisher": publisher.name, "surfaces": [p.summary() for p in pubs.values()]})

    async def get_surface(request):
        sid = request.path_params["surface_id"]
        pub = publisher.publications.get(sid)
        if pub is None:
            return error(404, f"no surface {sid!r}", surfaces=sorted(publisher.publications))
        kind = negotiate(request.headers.get("accept"))
        if kind is None:
            return error(406, "Accept must allow application/json, " + ARROW_FILE + " or " + ARROW_STREAM)
        etag = pub.etag(kind)
        headers = {"ETag": etag, "Vary": "Accept", "Cache-Control": "no-cache", "X-Surface-Version": str(pub.version)}
        inm = request.headers.get("if-none-match")
        if inm is not None and _etag_matches(inm, etag):
            return Response(status_code=304, headers=headers)
        media = {"json": _JSON, "arrow": ARROW_FILE, "arrow-stream": ARROW_STREAM}[kind]
        return Response(pub.body(kind), media_type=media, headers=headers)

    async def healthz(request):
        return JSONResponse(publisher.health())

    async def metrics(request):
        lines = [
            "# HELP quantforge_http_requests_total HTTP requests answered, by route template and status.",
            "# TYPE quantforge_http_requests_total counter",
            *(
                f'quantforge_http_requests_total{{route="{r}",status="{s}"}} {n}'
                for (r, s), n in sorted(requests.items())
            ),
            "# HELP quantforge_http_request_seconds_total Time spent answering HTTP requests, by route template.",
            "# TYPE quantforge_http_request_seconds_total counter",
            *(f'quantforge_http_request_seconds_total{{route="{r}"}} {v:.9f}' for r, v in sorted(seconds.items())),
            *publisher.metric_lines(),
        ]
        return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8")

    async def http_error(request, exc):
        return error(exc.status_code, str(exc.detail))

    app = Starlette(
        routes=[
            Route("/v1/surfaces", list_surfaces),
            Route("/v1/surfaces/{surface_id}", get_surface),
            Route("/healthz", healthz),
            Route("/metrics", metrics),
        ],
        exception_handlers={HTTPException: http_error},
    )
    expected = f"Bearer {token}".encode() if token else None
    unauthorized = json.dumps({"error": "missing or wrong bearer token (Authorization: Bearer <token>)"}).encode()

    async def application(scope, receive, send):
        """Token check and request metrics around the routes (plain ASGI: no per-request objects)."""
        if scope["type"] != "http":
            return await app(scope, receive, send)
        route = _route(scope["path"])
        status = [500]

        async def send_counted(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        t0 = time.perf_counter()
        if expected is not None and route != "/healthz":
            given = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
            if not hmac.compare_digest(given, expected):
                await send_counted(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(unauthorized)).encode()),
                            (b"www-authenticate", b'Bearer realm="quantforge"'),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": unauthorized})
                requests[(route, 401)] = requests.get((route, 401), 0) + 1
                return
        try:
            if route == "/v1/quote":  # the hot route: answered here, without the router's per-request objects
                status_code, doc = quote_answer(publisher.publications, scope["query_string"])
                body = json.dumps(doc, separators=(",", ":")).encode()
                await send_counted(
                    {
                        "type": "http.response.start",
                        "status": status_code,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
            else:
                await app(scope, receive, send_counted)
        finally:
            requests[(route, status[0])] = requests.get((route, status[0]), 0) + 1
            seconds[route] = seconds.get(route, 0.0) + time.perf_counter() - t0

    return application
