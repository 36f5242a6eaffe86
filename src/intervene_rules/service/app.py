"""The ASGI application: rulesets loaded and compiled at start, answered over HTTP.

FastAPI (on Starlette, served by uvicorn) for routing, OpenAPI and the lifespan; the
evaluation endpoints read the raw body and write the decision's own JSON, so a request
costs one pydantic validation (`Situation.model_validate_json`) and the decision's memoised
serialisation, not FastAPI's generic body parsing and response validation twice over. The
OpenAPI document still names the library's `Situation` and `Decision` models.

Evaluation is CPU-bound and takes microseconds, so it runs on the event loop (a thread hop
would cost more than the work); reading a slow client's body is bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ValidationError
from starlette.requests import ClientDisconnect
from starlette.routing import Route

from intervene_rules import (
    Changes,
    Decision,
    DecisionRange,
    PartialSituation,
    Ruleset,
    Situation,
    evaluate,
    evaluate_partial,
    load_ruleset,
)
from intervene_rules._evaluate import as_situation
from intervene_rules.errors import DecisionLogError, InterveneRulesError
from intervene_rules.service import models
from intervene_rules.service.config import ServiceConfig
from intervene_rules.service.problems import (
    MEDIA_TYPE,
    Problem,
    ServiceError,
    invalid_situation,
    problem,
)

NDJSON = "application/x-ndjson"
RID = {"name": "rid", "in": "path", "required": True, "schema": {"type": "string"}}
AS_OF = {
    "name": "as_of",
    "in": "query",
    "required": False,
    "description": "Apply the law in force on this date (YYYY-MM-DD); default today.",
    "schema": {"type": "string", "format": "date"},
}
EXPLAIN = {
    "name": "explain",
    "in": "query",
    "required": False,
    "description": "Add the plain-language explanation.",
    "schema": {"type": "boolean", "default": False},
}
BATCH_CHUNK = 256
"""Decisions per chunk written to a batch response (each chunk is one write)."""


def parse_pins(pins: tuple[str, ...], refs: tuple[str, ...]) -> dict[str, str]:
    """`ID=sha256:…` items as {ruleset id or ref: pin}; a bare `sha256:…` pins the only one.

    Raises:
        ValueError: saying which item is malformed and how to write it.

    """
    out: dict[str, str] = {}
    for item in pins:
        ref, sep, digest = item.rpartition("=")
        if not sep:
            if len(refs) != 1:
                raise ValueError(
                    f"--pin {item!r} names no ruleset: write ID=sha256:... when serving "
                    "several rulesets"
                )
            ref, digest = refs[0], item
        out[ref] = digest
    return out


def load_rulesets(config: ServiceConfig) -> dict[str, Ruleset]:
    """Every ruleset served, by id, loaded, pinned and compiled for each of its periods.

    Raises:
        RulesetError: a ruleset is invalid or its digest is not the pinned one.
        ValueError: a malformed pin, a pin of no ruleset served, a ruleset without a pin
            when pins are required, or two rulesets with one id.

    """
    from intervene_rules.engine.table import engine_for
    from intervene_rules.ruleset.load import bundled_ids

    refs = config.rulesets or tuple(bundled_ids())
    pins = parse_pins(config.pins, refs)  # keyed by the ruleset's id or by its reference
    out: dict[str, Ruleset] = {}
    unpinned: list[str] = []
    for ref in refs:
        pin = pins.pop(ref, None)
        rs = load_ruleset(ref, allow_paths=config.allow_paths, pin=pin)
        if pin is None and rs.id in pins:  # loaded again: the pin's error names the file
            pin = pins.pop(rs.id)
            rs = load_ruleset(ref, allow_paths=config.allow_paths, pin=pin)
        if pin is None:
            unpinned.append(f"{rs.id}={rs.digest}")
        if rs.id in out:
            raise ValueError(f"two rulesets have the id {rs.id!r}: serve one of them")
        out[rs.id] = rs
        # compiled now, never on a request: every legal period's evaluator and table
        for day in [dt.date.min, *rs.periods()]:
            engine_for(rs.period(day))
    if pins:
        raise ValueError(f"--pin names rulesets not served: {', '.join(sorted(pins))}")
    if config.require_pins and unpinned:
        raise ValueError(
            "--require-pin: these rulesets are not pinned; pin the digests your agency "
            "approved, after checking them: " + " ".join(f"--pin {u}" for u in unpinned)
        )
    return out


class _State:
    """What the endpoints share: the rulesets, the decision log, readiness."""

    def __init__(self, config: ServiceConfig, rulesets: dict[str, Ruleset]) -> None:
        self.config = config
        self.rulesets = rulesets
        self.log: Any = None
        self.ready = False
        self.titles = {rid: tuple(rs.program.rank_aliases) for rid, rs in rulesets.items()}


def _problem_response(p: Problem, request: Request) -> Response:
    p = p.model_copy(update={"instance": request.url.path, "request_id": _request_id(request)})
    return Response(
        p.model_dump_json(exclude_none=True),
        status_code=p.status,
        media_type=MEDIA_TYPE,
        headers={"X-Request-Id": p.request_id or ""},
    )


_ID_PREFIX = uuid.uuid4().hex[:16]
_ids = itertools.count(1)


def _request_id(request: Request) -> str:
    """The caller's `X-Request-Id`, or one made here.

    A random prefix per process and a counter: unique without a random draw per request.
    """
    rid: str | None = request.scope.get("intervene.request_id")
    if rid is None:
        given = request.headers.get("x-request-id")
        rid = given[:200] if given else f"{_ID_PREFIX}-{next(_ids):x}"
        request.scope["intervene.request_id"] = rid
    return rid


class _Encoded:
    """The UTF-8 JSON of recent decisions, kept by identity.

    The engine hands out one shared `Decision` per answer, and encoding ~10 KB of JSON
    costs about an evaluation.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.kept: dict[int, tuple[Decision, bytes]] = {}

    def __call__(self, d: Decision) -> bytes:
        hit = self.kept.get(id(d))
        if hit is not None and hit[0] is d:
            return hit[1]
        data = d.model_dump_json().encode()
        if len(self.kept) >= self.size:
            self.kept.clear()
        self.kept[id(d)] = (d, data)
        return data


async def _body(request: Request, limit: int, timeout: float) -> bytes:
    """The request body, refused when over `limit` bytes or not received within `timeout`."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise problem(
            413,
            "body_too_large",
            "The body is too large",
            f"the body has {int(length):,} bytes; at most {limit:,} are accepted here",
        )
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise problem(
                        413,
                        "body_too_large",
                        "The body is too large",
                        f"the body is over {limit:,} bytes, the most accepted here",
                    )
                chunks.append(chunk)
    except ClientDisconnect:  # nobody to answer; the response is dropped by the server
        raise problem(
            400, "client_disconnected", "Client disconnected", "the body was not completed"
        ) from None
    except TimeoutError:
        raise problem(
            408,
            "body_timeout",
            "The body arrived too slowly",
            f"the body was not received within {timeout:g} s",
        ) from None
    return b"".join(chunks)


def _as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise problem(
            400,
            "bad_as_of",
            "as_of is not a date",
            f"as_of={value!r} is not a date: write YYYY-MM-DD, e.g. as_of=2021-06-01",
        ) from None


def _flag(value: str | None) -> bool:
    if value is None or value.lower() in ("false", "0", "no", ""):
        return False
    if value.lower() in ("true", "1", "yes"):
        return True
    raise problem(400, "bad_flag", "Not a boolean", f"explain={value!r}: write true or false")


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    """The service for `config` (from the environment when None: uvicorn's workers).

    Loads and compiles every ruleset before returning.

    Raises:
        RulesetError: a ruleset is invalid or not the pinned one.
        ValueError: a malformed pin.
        InterveneRulesError: the decision log cannot be opened.

    """
    config = config or ServiceConfig.from_env()
    state = _State(config, load_rulesets(config))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if config.decision_log is not None:
            from intervene_rules.decision_log import DecisionLog

            state.log = DecisionLog(config.decision_log, durability=config.durability)
        state.ready = True
        try:
            yield
        finally:
            state.ready = False
            if state.log is not None:
                state.log.close()  # in-flight requests have finished: flush

    app = FastAPI(
        title="intervene_rules",
        version=_version(),
        summary="What duty-to-intervene law and policy require of an observing officer.",
        description="Decision support, not legal advice. Every decision names the sources "
        "it rests on and how far each was verified.",
        lifespan=lifespan,
        responses={
            400: {"model": Problem, "description": "Unreadable request"},
        },
    )
    app.state.intervene = state

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> Response:
        return _problem_response(exc.problem, request)

    @app.exception_handler(404)
    async def _not_found(request: Request, exc: Exception) -> Response:
        return _problem_response(
            problem(404, "not_found", "Not found", f"no endpoint {request.url.path}").problem,
            request,
        )

    @app.exception_handler(405)
    async def _not_allowed(request: Request, exc: Exception) -> Response:
        return _problem_response(
            problem(
                405,
                "method_not_allowed",
                "Method not allowed",
                f"{request.method} is not allowed on {request.url.path}",
            ).problem,
            request,
        )

    @app.exception_handler(ValidationError)
    async def _bad_query(request: Request, exc: ValidationError) -> Response:
        return _problem_response(invalid_situation(exc).problem, request)

    from fastapi.exceptions import RequestValidationError

    @app.exception_handler(RequestValidationError)
    async def _bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        return _problem_response(
            problem(400, "bad_request", "Invalid request", f"{where}: {first['msg']}").problem,
            request,
        )

    encoded = _Encoded()

    def ruleset(rid: str) -> Ruleset:
        rs = state.rulesets.get(rid)
        if rs is None:
            raise problem(
                404,
                "unknown_ruleset",
                "No such ruleset",
                f"no ruleset {rid!r} is served here; served: {', '.join(sorted(state.rulesets))}",
            )
        return rs

    problem_responses: dict[int | str, dict[str, Any]] = {
        404: {"model": Problem, "description": "Unknown ruleset", "content": {MEDIA_TYPE: {}}},
        413: {"model": Problem, "description": "Body too large", "content": {MEDIA_TYPE: {}}},
        422: {"model": Problem, "description": "Invalid situation", "content": {MEDIA_TYPE: {}}},
    }
    situation_body = {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Situation"}}},
        }
    }

    def decide(
        rs: Ruleset, body: bytes | dict[str, Any], as_of: dt.date | None, prefix: tuple[Any, ...]
    ) -> Decision:
        try:
            return evaluate(rs, body, as_of=as_of)
        except ValidationError as exc:
            raise invalid_situation(exc, state.titles[rs.id], prefix=prefix) from None
        except InterveneRulesError as exc:  # pragma: no cover - an evaluator failed
            raise problem(500, "evaluation_failed", "Evaluation failed", str(exc)) from None

    def record(
        request: Request, body: bytes | dict[str, Any], d: Decision, as_of: dt.date | None
    ) -> str | None:
        if state.log is None:
            return None
        try:
            decision_id: str = state.log.record(
                body,
                d,
                as_of=as_of,
                request_id=_request_id(request),
                reference=request.headers.get("x-reference"),
            )
        except DecisionLogError as exc:  # not logged: not answered (the log is the record)
            raise problem(
                503,
                "decision_log_failed",
                "The decision could not be logged",
                f"{exc}; the decision was not returned because it could not be recorded",
            ) from None
        return decision_id

    @app.post(
        "/v1/rulesets/{rid}/evaluate",
        summary="Decide one situation",
        response_model=Decision,
        responses={
            **problem_responses,
            200: {
                "description": "The decision (with `explain=true`: the decision and its "
                "explanation, `ExplainedDecision`)",
            },
        },
        openapi_extra={**situation_body, "parameters": [RID, AS_OF, EXPLAIN]},
    )
    async def evaluate_one(request: Request) -> Response:
        # parameters read by hand (declared above for OpenAPI): FastAPI's parameter
        # injection costs more than the evaluation itself
        rs = ruleset(request.path_params["rid"])
        if request.scope["query_string"]:
            query = request.query_params
            day, explain = _as_of(query.get("as_of")), _flag(query.get("explain"))
        else:
            day, explain = None, False
        body = await _body(request, config.max_body_bytes, config.body_timeout_s)
        d = decide(rs, body, day, ())
        headers = {"X-Request-Id": _request_id(request)}
        if (decision_id := record(request, body, d, day)) is not None:
            headers["X-Decision-Id"] = decision_id
        data = encoded(d)
        if explain:
            explanation = json.dumps(d.explain(as_situation(rs, body))).encode()
            data = b"".join([b'{"decision":', data, b',"explanation":', explanation, b"}"])
        return Response(data, media_type="application/json", headers=headers)

    @app.post(
        "/v1/rulesets/{rid}/evaluate:batch",
        summary="Decide many situations: a JSON array or NDJSON in, NDJSON out",
        responses={
            **problem_responses,
            200: {
                "description": "One line per situation, in order: the decision, or "
                '`{"index": i, "problem": {...}}` for a situation that is not valid',
                "content": {NDJSON: {}},
            },
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Situation"},
                        }
                    },
                    NDJSON: {"schema": {"$ref": "#/components/schemas/Situation"}},
                },
            },
            "parameters": [RID, AS_OF],
        },
    )
    async def evaluate_batch(request: Request) -> Response:
        rs = ruleset(request.path_params["rid"])
        day = _as_of(request.query_params.get("as_of"))
        body = await _body(request, config.max_batch_bytes, config.body_timeout_s)
        items = _batch_items(body)

        def lines() -> Iterator[bytes]:
            out: list[bytes] = []
            for i, item in enumerate(items):
                try:
                    if isinstance(item, ServiceError):
                        raise item
                    d = decide(rs, item, day, (i,))
                    record(request, item, d, day)
                    out.append(encoded(d))
                except ServiceError as exc:
                    p = exc.problem.model_dump_json(exclude_none=True)
                    out.append(f'{{"index":{i},"problem":{p}}}'.encode())
                out.append(b"\n")
                if len(out) >= 2 * BATCH_CHUNK:
                    yield b"".join(out)
                    out = []
            if out:
                yield b"".join(out)

        return StreamingResponse(
            lines(), media_type=NDJSON, headers={"X-Request-Id": _request_id(request)}
        )

    @app.post(
        "/v1/rulesets/{rid}/evaluate:partial",
        summary="The range of decisions of a situation with unknown facts",
        description="Any field omitted or null is unknown: the answer holds, exactly over every "
        "completion of them, the least and most action, duties and reports certain and "
        "possible, the facts that decide the action, and the decision when all completions "
        "give one. Not recorded in the decision log (a range is not a decision).",
        response_model=DecisionRange,
        responses=problem_responses,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/PartialSituation"}
                    }
                },
            },
            "parameters": [RID, AS_OF],
        },
    )
    async def evaluate_partial_one(request: Request) -> Response:
        rs = ruleset(request.path_params["rid"])
        day = _as_of(request.query_params.get("as_of"))
        body = await _body(request, config.max_body_bytes, config.body_timeout_s)
        try:
            r = evaluate_partial(rs, body, as_of=day)
        except ValidationError as exc:
            raise invalid_situation(exc, state.titles[rs.id], prefix=()) from None
        return Response(
            r.model_dump_json(),
            media_type="application/json",
            headers={"X-Request-Id": _request_id(request)},
        )

    @app.post(
        "/v1/rulesets/{rid}/what-would-change",
        summary="The smallest changes of a situation's facts that change the required action",
        response_model=Changes,
        responses=problem_responses,
        openapi_extra={**situation_body, "parameters": [RID, AS_OF]},
    )
    async def what_would_change_one(request: Request) -> Response:
        rs = ruleset(request.path_params["rid"])
        day = _as_of(request.query_params.get("as_of"))
        body = await _body(request, config.max_body_bytes, config.body_timeout_s)
        d = decide(rs, body, day, ())
        return Response(
            d.what_would_change(body, rs).model_dump_json(),
            media_type="application/json",
            headers={"X-Request-Id": _request_id(request)},
        )

    @app.get(
        "/v1/rulesets", summary="The rulesets served", response_model=list[models.RulesetSummary]
    )
    async def list_served() -> Response:
        body = [
            models.summary(rs).model_dump(mode="json") for _, rs in sorted(state.rulesets.items())
        ]
        return JSONResponse(body)

    @app.get(
        "/v1/rulesets/{rid}",
        summary="A ruleset: layers, digest, sources and periods of force",
        response_model=models.RulesetDetail,
        responses={404: problem_responses[404]},
    )
    async def ruleset_detail(rid: str) -> Response:
        return Response(
            models.detail(ruleset(rid)).model_dump_json(), media_type="application/json"
        )

    @app.get(
        "/v1/rulesets/{rid}/schema/situation",
        summary="The JSON Schema of the situations this ruleset accepts (its rank titles too)",
        responses={404: problem_responses[404]},
    )
    async def situation_schema(rid: str) -> JSONResponse:
        return JSONResponse(situation_schema_for(ruleset(rid)))

    @app.get("/v1/schema/decision", summary="The JSON Schema of a decision")
    async def decision_schema() -> JSONResponse:
        return JSONResponse(Decision.model_json_schema())

    @app.get("/healthz", summary="Liveness: the process answers", response_model=models.Health)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "rulesets": len(state.rulesets)})

    @app.get(
        "/readyz",
        summary="Readiness: rulesets compiled, decision log open",
        response_model=models.Health,
    )
    async def readyz() -> JSONResponse:
        ok = state.ready
        return JSONResponse(
            {"status": "ready" if ok else "starting", "rulesets": len(state.rulesets)},
            status_code=200 if ok else 503,
        )

    # the two evaluation endpoints answer through plain Starlette routes placed first (the
    # FastAPI routes above document them in OpenAPI): FastAPI's per-request parameter
    # machinery cost more than the evaluation
    app.router.routes[:0] = [
        Route("/v1/rulesets/{rid}/evaluate", evaluate_one, methods=["POST"]),
        Route("/v1/rulesets/{rid}/evaluate:batch", evaluate_batch, methods=["POST"]),
    ]
    _with_situation_schema(app)
    # what start-up built lives as long as the process: out of the collector's sight, so a
    # full collection walks only what requests allocate (it walked every compiled table)
    gc.collect()
    gc.freeze()
    return app


def _batch_items(body: bytes) -> list[bytes | dict[str, Any] | ServiceError]:
    """The situations of a batch body: a JSON array, or one JSON object per line."""
    head = body.lstrip()[:1]
    if head == b"[":
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise problem(
                400,
                "batch_invalid_json",
                "The body is not valid JSON",
                f"the batch is not a JSON array: {exc}",
            ) from None
        if not isinstance(data, list):  # pragma: no cover - starts with '['
            raise problem(400, "batch_not_array", "Not an array", "the batch is not an array")
        return [x if isinstance(x, dict) else _not_object(i, x) for i, x in enumerate(data)]
    return [line for line in body.splitlines() if line.strip()]


def _not_object(i: int, x: Any) -> ServiceError:
    return problem(
        422,
        "situation_not_object",
        "The situation is not an object",
        f"item {i} is {type(x).__name__}, not a JSON object",
    )


def situation_schema_for(rs: Ruleset) -> dict[str, Any]:
    """The `Situation` JSON Schema with this ruleset's rank titles accepted for the ranks."""
    return rs.situation_schema()


def _with_situation_schema(app: FastAPI) -> None:
    """Put the library's `Situation` schema into the OpenAPI components (the bodies use it)."""
    base: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = base()
            schemas = doc.setdefault("components", {}).setdefault("schemas", {})
            for model in (Situation, PartialSituation):
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, sub in schema.pop("$defs", {}).items():
                    schemas.setdefault(name, sub)
                schemas[model.__name__] = schema
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _version() -> str:
    from intervene_rules import __version__

    return __version__


def app_from_env() -> FastAPI:
    """The factory uvicorn's worker processes call (`ServiceConfig` from the environment)."""
    return create_app(ServiceConfig.from_env())


__all__ = ["app_from_env", "create_app", "load_rulesets", "situation_schema_for"]
