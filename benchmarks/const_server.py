"""The baseline of the service benchmark: the same stack answering a constant JSON body.

FastAPI on uvicorn with the settings `intervene serve` uses; the endpoint reads the request
body (as the evaluation endpoint does) and returns a fixed decision-sized JSON text. Run as
`python benchmarks/const_server.py [BYTES]`; prints `listening on http://HOST:PORT` on stderr.
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

SIZE = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
"""Bytes of the constant body: the benchmark passes the median size of a decision."""
BODY = b'{"note":"' + b"x" * max(0, SIZE - 11) + b'"}'

app = FastAPI()


@app.post("/const")
async def const(request: Request) -> Response:
    await request.body()
    return Response(BODY, media_type="application/json")


def main() -> None:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, access_log=False, log_level="warning", server_header=False
    )
    sock = config.bind_socket()
    host, port = sock.getsockname()[:2]
    print(f"listening on http://{host}:{port}", file=sys.stderr, flush=True)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
