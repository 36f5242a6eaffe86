"""The HTTP service (`intervene serve`): the public API over HTTP for non-Python systems.

Optional: it needs the `[service]` extra (FastAPI on uvicorn). Nothing below `cli` imports
this room, so `import intervene_rules` stays free of web dependencies.

- `config`: what a service is started with (rulesets, pins, limits, the decision log),
  validated once, passed to worker processes as JSON;
- `problems`: errors as `application/problem+json` (RFC 9457) with field paths and the
  allowed values;
- `models`: the response models of the catalogue endpoints (OpenAPI is generated from them
  and from the library's own `Situation` and `Decision`);
- `app`: the ASGI application (`create_app`), rulesets loaded and compiled at start.
"""
