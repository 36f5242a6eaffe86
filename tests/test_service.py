"""The HTTP service, as a real process on a loopback port, spoken to over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the HTTP service needs the [service] extra")
pytest.importorskip("uvicorn", reason="the HTTP service needs the [service] extra")
pytest.importorskip("httpx", reason="the service tests talk HTTP with httpx")

import httpx

from intervene_rules import Decision, evaluate, evaluate_partial, load_ruleset
from tests.service_process import Server, situations, start_failure

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server(
        [
            "--ruleset",
            "federal-baseline",
            "--ruleset",
            "model-policy",
            "--body-timeout",
            "1",
            "--max-batch-body",
            str(4 << 20),
        ]
    )
    yield s
    s.stop()


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def _problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:intervene-rules:problem:{code}"
    assert body["detail"] and body["title"]
    return body


# --- answers -----------------------------------------------------------------------------


def test_health_and_readiness(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "rulesets": 2}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"


def test_decisions_are_the_librarys(client: httpx.Client) -> None:
    for rid in ("federal-baseline", "model-policy"):
        rs = load_ruleset(rid)
        for s in situations(60, seed=len(rid)):
            r = client.post(f"/v1/rulesets/{rid}/evaluate", json=s)
            assert r.status_code == 200, r.text
            assert r.headers["content-type"] == "application/json"
            assert r.json() == json.loads(evaluate(rs, s).model_dump_json())
            Decision.model_validate_json(r.content)  # the contract, as the schema says


def test_as_of_applies_the_law_of_that_day(client: httpx.Client) -> None:
    rs = load_ruleset("model-policy")
    s = situations(1, seed=3)[0]
    for day in ("2015-03-01", "2021-06-01"):
        r = client.post("/v1/rulesets/model-policy/evaluate", params={"as_of": day}, json=s)
        want = evaluate(rs, s, as_of=dt.date.fromisoformat(day))
        assert r.json() == json.loads(want.model_dump_json())
        assert r.json()["as_of"] == day


def test_explain_adds_the_explanation(client: httpx.Client) -> None:
    s = situations(1, seed=11)[0]
    r = client.post("/v1/rulesets/model-policy/evaluate", params={"explain": "true"}, json=s)
    body = r.json()
    d = evaluate(load_ruleset("model-policy"), s)
    assert body["explanation"] == d.explain()
    assert body["decision"] == json.loads(d.model_dump_json())


def test_partial_situations_get_the_librarys_range(client: httpx.Client) -> None:
    rs = load_ruleset("federal-baseline")
    for s in situations(20, seed=5):
        del s["subject"]["restrained"]
        s["force"]["duration_s"] = None
        s["observer"]["realistic_opportunity"] = True
        r = client.post("/v1/rulesets/federal-baseline/evaluate:partial", json=s)
        assert r.status_code == 200, r.text
        assert r.json() == json.loads(evaluate_partial(rs, s).model_dump_json())
        assert r.json()["unknown"] == ["force.duration_s", "subject.restrained"]
    bad = client.post("/v1/rulesets/federal-baseline/evaluate:partial", json={"force": {"x": 1}})
    body = _problem(bad, 422, "situation_invalid")
    assert "force.x" in json.dumps(body)
    # the plain endpoint refuses a partial situation, pointing to the range
    r = client.post("/v1/rulesets/federal-baseline/evaluate", json={"actor": {"rank": "officer"}})
    assert "evaluate_partial" in json.dumps(_problem(r, 422, "situation_invalid"))


def test_what_would_change_is_the_librarys(client: httpx.Client) -> None:
    rs = load_ruleset("federal-baseline")
    for s in situations(10, seed=9):
        r = client.post("/v1/rulesets/federal-baseline/what-would-change", json=s)
        assert r.status_code == 200, r.text
        assert r.json() == json.loads(evaluate(rs, s).what_would_change(s, rs).model_dump_json())


def test_request_id_is_echoed(client: httpx.Client) -> None:
    s = situations(1)[0]
    r = client.post(
        "/v1/rulesets/federal-baseline/evaluate", json=s, headers={"X-Request-Id": "cad-42"}
    )
    assert r.headers["x-request-id"] == "cad-42"


def test_batch_array_and_ndjson(client: httpx.Client) -> None:
    rs = load_ruleset("federal-baseline")
    items: list[Any] = situations(600, seed=5)
    items[7] = {"actor": {"rank": "admiral"}}
    items[9] = [1, 2]
    want = [
        json.loads(evaluate(rs, s).model_dump_json())
        for s in items
        if isinstance(s, dict) and "force" in s
    ]
    for body, ctype in (
        (json.dumps(items), "application/json"),
        ("\n".join(json.dumps(s) for s in items) + "\n", "application/x-ndjson"),
    ):
        r = client.post(
            "/v1/rulesets/federal-baseline/evaluate:batch",
            content=body,
            headers={"content-type": ctype},
        )
        assert r.status_code == 200 and r.headers["content-type"] == "application/x-ndjson"
        lines = [json.loads(x) for x in r.text.splitlines()]
        assert len(lines) == len(items)
        assert lines[7]["index"] == 7 and lines[7]["problem"]["code"] == "situation_invalid"
        assert lines[7]["problem"]["errors"][0]["path"] == "7.actor.rank"
        if ctype == "application/json":
            assert lines[9]["problem"]["code"] == "situation_not_object"
        else:
            assert lines[9]["problem"]["code"] == "situation_invalid"
        good = [x for i, x in enumerate(lines) if i not in (7, 9)]
        assert good == want


def test_catalogue(client: httpx.Client) -> None:
    listed = client.get("/v1/rulesets").json()
    assert [x["id"] for x in listed] == ["federal-baseline", "model-policy"]
    rs = load_ruleset("model-policy")
    one = client.get("/v1/rulesets/model-policy").json()
    assert one["digest"] == rs.digest and one["layers"] == list(rs.layers)
    assert {s["id"]: s["verification"] for s in one["sources"]} == {
        sid: c.verification.value for sid, c in rs.sources.items()
    }
    assert one["periods"] == [str(d) for d in rs.periods()]
    assert one["rank_titles"]
    schema = client.get("/v1/rulesets/model-policy/schema/situation").json()
    assert schema == rs.situation_schema()
    listed_ranks = schema["$defs"]["Rank"]["anyOf"][0]["enum"]  # titles as written, listed
    assert set(one["rank_titles"]) <= set(listed_ranks)
    plain = client.get("/v1/rulesets/federal-baseline/schema/situation").json()
    assert not set(one["rank_titles"]) & set(plain["$defs"]["Rank"]["enum"])
    assert client.get("/v1/schema/decision").json() == Decision.model_json_schema()


def test_openapi_names_the_librarys_models(client: httpx.Client) -> None:
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert {"Situation", "Decision", "Problem", "RulesetDetail"} <= set(schemas)
    body = doc["paths"]["/v1/rulesets/{rid}/evaluate"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Situation"
    }
    assert "/v1/rulesets/{rid}/evaluate:batch" in doc["paths"]


# --- bad requests: a problem+json each, and the service keeps serving ---------------------


def test_not_json(client: httpx.Client) -> None:
    r = client.post("/v1/rulesets/federal-baseline/evaluate", content=b"{nope")
    _problem(r, 400, "situation_invalid_json")


def test_unknown_field_and_bad_value_name_the_path_and_allowed_values(
    client: httpx.Client,
) -> None:
    s = situations(1)[0]
    s["force"]["type"] = "taser"
    s["subject"]["mood"] = "calm"
    r = client.post("/v1/rulesets/model-policy/evaluate", json=s)
    body = _problem(r, 422, "situation_invalid")
    by_path = {e["path"]: e for e in body["errors"]}
    assert "cew" in by_path["force.type"]["allowed"]
    assert by_path["subject.mood"]["type"] == "extra_forbidden"


def test_rank_title_allowed_values_are_the_rulesets(client: httpx.Client) -> None:
    s = situations(1)[0]
    s["actor"]["rank"] = "admiral"
    titles = client.get("/v1/rulesets/model-policy").json()["rank_titles"]
    r = client.post("/v1/rulesets/model-policy/evaluate", json=s)
    allowed = _problem(r, 422, "situation_invalid")["errors"][0]["allowed"]
    assert set(titles) <= set(allowed) and "sergeant" in allowed


def test_unknown_ruleset(client: httpx.Client) -> None:
    r = client.post("/v1/rulesets/atlantis/evaluate", json=situations(1)[0])
    assert "federal-baseline" in _problem(r, 404, "unknown_ruleset")["detail"]
    _problem(client.get("/v1/rulesets/atlantis"), 404, "unknown_ruleset")


def test_too_large_and_too_deep(client: httpx.Client) -> None:
    r = client.post("/v1/rulesets/federal-baseline/evaluate", content=b" " * (2 << 20))
    _problem(r, 413, "body_too_large")
    deep = b"[" * 100_000 + b"]" * 100_000
    r = client.post("/v1/rulesets/federal-baseline/evaluate", content=deep)
    assert r.status_code in (400, 422) and r.headers["content-type"] == PROBLEM
    big_batch = b"[" + b",".join([json.dumps(situations(1)[0]).encode()] * 20_000) + b"]"
    r = client.post("/v1/rulesets/federal-baseline/evaluate:batch", content=big_batch)
    _problem(r, 413, "body_too_large")


def test_bad_query_and_routes(client: httpx.Client) -> None:
    s = situations(1)[0]
    r = client.post("/v1/rulesets/federal-baseline/evaluate", params={"as_of": "2021-W01"}, json=s)
    _problem(r, 400, "bad_as_of")
    _problem(client.get("/v1/rulesets/federal-baseline/evaluate"), 405, "method_not_allowed")
    _problem(client.get("/v2/nothing"), 404, "not_found")


def _raw(server: Server) -> socket.socket:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)


def test_a_client_that_disconnects_mid_request(server: Server, client: httpx.Client) -> None:
    for _ in range(5):
        sock = _raw(server)
        sock.sendall(
            b"POST /v1/rulesets/federal-baseline/evaluate HTTP/1.1\r\nHost: x\r\n"
            b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"actor":'
        )
        sock.close()
    time.sleep(0.3)
    assert client.get("/healthz").status_code == 200
    r = client.post("/v1/rulesets/federal-baseline/evaluate", json=situations(1)[0])
    assert r.status_code == 200
    assert "Traceback" not in server.errors


def test_a_slow_client_is_refused_and_others_served(server: Server, client: httpx.Client) -> None:
    sock = _raw(server)
    sock.sendall(
        b"POST /v1/rulesets/federal-baseline/evaluate HTTP/1.1\r\nHost: x\r\n"
        b"Content-Length: 500\r\n\r\n{"
    )
    # meanwhile others are answered
    assert client.get("/healthz").status_code == 200
    sock.settimeout(10)
    reply = b""
    while b"\r\n\r\n" not in reply:
        chunk = sock.recv(4096)
        if not chunk:
            break
        reply += chunk
    sock.close()
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]


def test_concurrent_requests_are_each_answered_right(server: Server) -> None:
    rs = load_ruleset("model-policy")
    pool = situations(200, seed=23)
    want = [json.loads(evaluate(rs, s).model_dump_json()) for s in pool]
    wrong: list[int] = []

    def worker(k: int) -> None:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            for i in range(k, len(pool), 16):
                r = c.post("/v1/rulesets/model-policy/evaluate", json=pool[i])
                if r.status_code != 200 or r.json() != want[i]:
                    wrong.append(i)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert wrong == []


# --- start and stop --------------------------------------------------------------------


def test_a_bad_ruleset_stops_the_start_with_its_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nversion: '1'\njurisdiction: j\nrulez: []\n")
    code, err = start_failure(["--ruleset", str(bad)])
    assert code == 2
    assert f"{bad}:" in err and "listening" not in err


def test_shutdown_under_load_finishes_requests_in_flight() -> None:
    s = Server(["--ruleset", "federal-baseline", "--workers", "2"])
    rs = load_ruleset("federal-baseline")
    pool = situations(50, seed=31)
    want = [json.loads(evaluate(rs, x).model_dump_json()) for x in pool]
    answered: list[bool] = []
    refused: list[str] = []
    stop = threading.Event()

    def worker(k: int) -> None:
        i = k
        while not stop.is_set():
            try:
                with httpx.Client(base_url=s.url, timeout=30) as c:
                    r = c.post("/v1/rulesets/federal-baseline/evaluate", json=pool[i % 50])
                answered.append(r.status_code == 200 and r.json() == want[i % 50])
            except httpx.TransportError as exc:  # after the port closed: refused, not half-done
                refused.append(type(exc).__name__)
                return
            i += 8

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    s.terminate()
    code = s.wait(60)
    stop.set()
    for t in threads:
        t.join(30)
    assert code == 0, s.errors
    assert len(answered) > 20 and all(answered)
    assert "Traceback" not in s.errors
    assert "stopped" in s.errors


def test_a_wrong_pin_stops_the_start_naming_both_digests() -> None:
    digest = load_ruleset("federal-baseline").digest
    wrong = "sha256:" + "0" * 64
    code, err = start_failure(["--ruleset", "federal-baseline", "--pin", wrong])
    assert code == 2 and "pin_mismatch" in err
    assert wrong in err and digest in err and "listening" not in err
    code, err = start_failure(["--ruleset", "a", "--ruleset", "b", "--pin", wrong])
    assert code == 2 and "names no ruleset" in err


def test_a_pinned_bundle_is_served_without_its_yaml(tmp_path: Path) -> None:
    from intervene_rules import write_bundle

    rs = write_bundle("model-policy", tmp_path / "mp.bundle.json")
    s = Server(
        ["--ruleset", str(tmp_path / "mp.bundle.json"), "--pin", f"model-policy={rs.digest}"]
    )
    try:
        with httpx.Client(base_url=s.url, timeout=30) as c:
            assert c.get("/v1/rulesets/model-policy").json()["digest"] == rs.digest
            x = situations(1, seed=2)[0]
            got = c.post("/v1/rulesets/model-policy/evaluate", json=x).json()
            want = json.loads(evaluate(load_ruleset("model-policy"), x).model_dump_json())

            def strip(d: dict[str, Any]) -> list[dict[str, Any]]:  # origins name the bundle
                return [{**t, "origin": None} for t in d.pop("trace")]

            assert strip(got) == strip(want) and got == want
    finally:
        s.stop()


def test_every_answer_is_in_the_decision_log_after_shutdown(tmp_path: Path) -> None:
    from intervene_rules.decision_log import read_log

    log = tmp_path / "decisions.jsonl"
    s = Server(["--ruleset", "federal-baseline", "--decision-log", str(log)])
    rs = load_ruleset("federal-baseline")
    pool = situations(40, seed=41)
    answered: dict[str, tuple[int, str]] = {}
    try:
        with httpx.Client(base_url=s.url, timeout=30) as c:
            for i, x in enumerate(pool):
                r = c.post(
                    "/v1/rulesets/federal-baseline/evaluate",
                    json=x,
                    params={"as_of": "2022-01-01"} if i % 2 else None,
                    headers={"X-Reference": f"CAD-{i}", "X-Request-Id": f"req-{i}"},
                )
                assert r.status_code == 200
                answered[r.headers["x-decision-id"]] = (i, r.text)
            batch = "\n".join(json.dumps(x) for x in pool[:5])
            r = c.post("/v1/rulesets/federal-baseline/evaluate:batch", content=batch)
            assert len(r.text.splitlines()) == 5
    finally:
        s.terminate()
        assert s.wait(60) == 0
    records = [rec for _, rec in read_log(log)]
    assert len(records) == len(pool) + 5
    by_id = {rec.id: rec for rec in records}
    for uid, (i, text) in answered.items():
        rec = by_id[uid]
        assert (rec.reference, rec.request_id) == (f"CAD-{i}", f"req-{i}")
        assert rec.situation == pool[i] and rec.ruleset == rs.ref
        assert rec.as_of == (dt.date(2022, 1, 1) if i % 2 else None)
        assert rec.decision == Decision.model_validate_json(text)
    ids = [rec.id for rec in records]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_an_unwritable_decision_log_stops_the_start(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, err = start_failure(
        ["--ruleset", "federal-baseline", "--decision-log", str(blocker / "log.jsonl")]
    )
    assert code == 2 and "decision log" in err and str(blocker) in err
    assert "listening" not in err


def test_a_missing_pin_stops_the_start_when_pins_are_required() -> None:
    rs = load_ruleset("federal-baseline")
    code, err = start_failure(
        [
            "--ruleset",
            "federal-baseline",
            "--ruleset",
            "model-policy",
            "--require-pin",
            "--pin",
            f"federal-baseline={rs.digest}",
        ]
    )
    assert code == 2 and "not pinned" in err and "--pin model-policy=sha256:" in err
    assert "federal-baseline=" not in err.split("not pinned")[1]
