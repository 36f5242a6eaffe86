"""Approved rulesets, pinned: bundles load alone and decide as their YAML, pins and signatures hold."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from intervene_rules import (
    RulesetError,
    Situation,
    evaluate,
    list_rulesets,
    load_ruleset,
    write_bundle,
)
from intervene_rules.cli import main
from intervene_rules.ruleset.load import bundled_ids
from tests.situations import random_situation_data

IDS = bundled_ids()
DAYS = (dt.date(2019, 6, 1), dt.date(2025, 6, 1))
SAMPLES = 150
NUMBERS = (None, 0.0, 9.999, 10.0, 10.001, 30.0, 60.0, 240.0)


def _situations(seed: int, n: int) -> list[Situation]:
    """`n` valid situations drawn from the field table (thresholds' values included)."""
    data = random_situation_data(n, seed, NUMBERS, spread=600.0)
    return [Situation.model_validate(d) for d in data]


def _bundle(tmp_path: Path, rid: str, **kw: Any) -> Path:
    out = tmp_path / f"{rid}.bundle.json"
    write_bundle(rid, out, **kw)
    return out


def _alone(tmp_path: Path, bundle: Path) -> Path:
    """The bundle copied into a folder of its own, with no YAML beside it."""
    home = tmp_path / "deployed"
    home.mkdir(exist_ok=True)
    target = home / bundle.name
    shutil.copyfile(bundle, target)
    assert not list(home.glob("*.yaml"))
    return target


def _without_origins(decision: Any) -> dict[str, Any]:
    data: dict[str, Any] = decision.model_dump(mode="json")
    for step in data["trace"]:
        step["origin"] = ""
    return data


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pytest.importorskip("cryptography", reason="signing needs the [sign] extra (cryptography)")
    folder = tmp_path_factory.mktemp("keys")
    for name in ("unit", "other"):
        assert main(["keygen", "--out", str(folder), "--name", name], out=io.StringIO()) == 0
    return {
        "key": folder / "unit.key.pem",
        "pub": folder / "unit.pub.pem",
        "other_key": folder / "other.key.pem",
        "other_pub": folder / "other.pub.pem",
    }


# --- the same ruleset --------------------------------------------------------------------


def test_every_bundled_ruleset_is_listed() -> None:
    assert [r["id"] for r in list_rulesets()] == IDS
    assert len(IDS) >= 10


@pytest.mark.parametrize("rid", IDS)
def test_a_bundle_gives_the_same_digest_and_decisions(tmp_path: Path, rid: str) -> None:
    yaml_rs = load_ruleset(rid)
    bundle = _alone(tmp_path, _bundle(tmp_path, rid))
    rs = load_ruleset(bundle)
    assert rs.digest == yaml_rs.digest
    assert rs.layers == yaml_rs.layers
    assert rs.periods() == yaml_rs.periods()
    assert set(rs.files) == {str(bundle)}
    for day in DAYS:
        for s in _situations(hash((rid, day.year)) & 0xFFFF, SAMPLES):
            a, b = evaluate(yaml_rs, s, as_of=day), evaluate(rs, s, as_of=day)
            assert _without_origins(a) == _without_origins(b), (rid, day, s)
            assert all(not t.origin or t.origin.startswith(str(bundle)) for t in b.trace)


def test_the_manifest_says_what_the_ruleset_is(tmp_path: Path) -> None:
    rs = load_ruleset("minneapolis-pd")
    data = json.loads(_bundle(tmp_path, "minneapolis-pd").read_text(encoding="utf-8"))
    assert data["format"] == "intervene-rules-bundle" and data["v"] == 1
    m = data["manifest"]
    assert (m["id"], m["version"], m["digest"]) == (rs.id, rs.version, rs.digest)
    assert [la["id"] for la in m["layers"]] == list(rs.layers)
    assert m["periods"] == [str(d) for d in rs.periods()]
    assert set(m["sources"]) == set(rs.sources)
    assert [la["id"] for la in data["layers"]] == list(rs.layers)
    assert "signature" not in data


def test_bundling_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    a = _bundle(tmp_path, "washington").read_bytes()
    b = tmp_path / "again.bundle.json"
    write_bundle("washington", b)
    assert a == b.read_bytes()
    text = a.decode("utf-8")
    assert text.endswith("}\n") and json.loads(text) is not None
    # a bundle written again from itself is the same file too
    c = tmp_path / "from-bundle.bundle.json"
    write_bundle(b, c)
    assert c.read_bytes() == a


def test_a_bundle_is_found_by_its_content_whatever_its_name(tmp_path: Path) -> None:
    odd = tmp_path / "approved-policy.json"
    shutil.copyfile(_bundle(tmp_path, "model-policy"), odd)
    assert load_ruleset(odd).digest == load_ruleset("model-policy").digest


# --- tampering ---------------------------------------------------------------------------


def _edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


def _plant_action(data: dict[str, Any]) -> None:
    """Lower the action of the first rule that concludes one."""
    for layer in data["layers"]:
        for rule in layer["document"].get("rules", []):
            then = rule.get("then", {})
            if then.get("action") == "intervene":
                then["action"] = "acknowledge"
                return
    raise AssertionError("no rule concludes intervene")


def test_a_tampered_rule_is_refused_naming_both_digests(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, "model-policy")
    stated = load_ruleset("model-policy").digest
    _edit(bundle, _plant_action)
    with pytest.raises(RulesetError) as exc:
        load_ruleset(bundle)
    (issue,) = exc.value.issues
    assert issue.code == "bundle_digest_mismatch"
    assert stated in issue.message and issue.ctx["actual"] in issue.message
    assert issue.ctx["actual"] != stated
    assert issue.loc.file == str(bundle) and issue.loc.line > 1


def test_a_tampered_manifest_is_refused(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, "model-policy")

    def retitle(data: dict[str, Any]) -> None:
        data["manifest"]["sources"]["usc_42_1983"]["citation"] = "42 U.S.C. § 1984"

    _edit(bundle, retitle)
    with pytest.raises(RulesetError) as exc:
        load_ruleset(bundle)
    assert [i.code for i in exc.value.issues] == ["bundle_manifest_mismatch"]
    assert "sources" in exc.value.issues[0].message


def test_an_invalid_layer_in_a_bundle_is_located_in_the_bundle(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, "model-policy")

    def break_rule(data: dict[str, Any]) -> None:
        data["layers"][1]["document"]["rules"][0]["then"]["action"] = "shout"

    _edit(bundle, break_rule)
    with pytest.raises(RulesetError) as exc:
        load_ruleset(bundle)
    issue = exc.value.issues[0]
    assert issue.loc.file == str(bundle)
    assert issue.loc.line > 1 and issue.loc.path[:2] == ("rules", 0)
    lines = bundle.read_text(encoding="utf-8").splitlines()
    assert '"shout"' in lines[issue.loc.line - 1] or "then" in lines[issue.loc.line - 1]


def test_a_bundle_that_is_not_json_is_located(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, "model-policy")
    bundle.write_text(bundle.read_text(encoding="utf-8")[:500], encoding="utf-8")
    with pytest.raises(RulesetError) as exc:
        load_ruleset(bundle)
    (issue,) = exc.value.issues
    assert issue.code == "bundle_invalid_json" and issue.loc.line > 1


def test_layers_out_of_order_are_refused(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, "model-policy")

    def drop_parent(data: dict[str, Any]) -> None:
        data["layers"][1]["parents"] = []

    _edit(bundle, drop_parent)
    with pytest.raises(RulesetError) as exc:
        load_ruleset(bundle)
    assert [i.code for i in exc.value.issues] == ["bundle_malformed"]


# --- pins --------------------------------------------------------------------------------


def test_the_right_pin_loads(tmp_path: Path) -> None:
    digest = load_ruleset("texas").digest
    assert load_ruleset("texas", pin=digest).digest == digest
    bare = digest.removeprefix("sha256:").upper()
    assert load_ruleset(_bundle(tmp_path, "texas"), pin=bare).digest == digest


@pytest.mark.parametrize("from_bundle", [False, True])
def test_a_wrong_pin_is_refused_naming_both_digests(tmp_path: Path, from_bundle: bool) -> None:
    actual = load_ruleset("texas").digest
    approved = load_ruleset("federal-baseline").digest
    ref: str | Path = _bundle(tmp_path, "texas") if from_bundle else "texas"
    with pytest.raises(RulesetError) as exc:
        load_ruleset(ref, pin=approved)
    (issue,) = exc.value.issues
    assert issue.code == "pin_mismatch"
    assert approved in issue.message and actual in issue.message
    assert issue.ctx == {"expected": approved, "actual": actual}
    assert issue.help
    assert issue.loc.file == (str(ref) if from_bundle else "rulesets/texas.yaml")


@pytest.mark.parametrize(
    "pin", ["", "sha256:", "sha256:abc", "md5:" + "0" * 64, "0" * 63, "x" * 64]
)
def test_a_malformed_pin_is_refused(pin: str) -> None:
    with pytest.raises(RulesetError) as exc:
        load_ruleset("texas", pin=pin)
    assert [i.code for i in exc.value.issues] == ["bad_pin"]


# --- signatures --------------------------------------------------------------------------


def test_a_signature_round_trips(tmp_path: Path, keys: dict[str, Path]) -> None:
    bundle = _alone(tmp_path, _bundle(tmp_path, "colorado", sign_key=keys["key"]))
    data = json.loads(bundle.read_text(encoding="utf-8"))
    assert data["signature"]["alg"] == "ed25519"
    rs = load_ruleset(bundle, public_key=keys["pub"], pin=load_ruleset("colorado").digest)
    assert rs.id == "colorado"
    # reformatting the file does not break the signature: it covers the canonical form
    bundle.write_text(json.dumps(data, indent=4), encoding="utf-8")
    assert load_ruleset(bundle, public_key=keys["pub"]).digest == rs.digest


def test_another_key_is_refused(tmp_path: Path, keys: dict[str, Path]) -> None:
    bundle = _bundle(tmp_path, "colorado", sign_key=keys["other_key"])
    with pytest.raises(RulesetError) as exc:
        load_ruleset(bundle, public_key=keys["pub"])
    assert [i.code for i in exc.value.issues] == ["bundle_wrong_key"]


def test_a_change_after_signing_is_refused(tmp_path: Path, keys: dict[str, Path]) -> None:
    bundle = _bundle(tmp_path, "colorado", sign_key=keys["key"])

    def retitle(data: dict[str, Any]) -> None:
        data["layers"][-1]["document"]["description"] = "changed"

    _edit(bundle, retitle)  # the digest does not see a description; the signature does
    assert load_ruleset(bundle).id == "colorado"
    with pytest.raises(RulesetError) as exc:
        load_ruleset(bundle, public_key=keys["pub"])
    assert [i.code for i in exc.value.issues] == ["bundle_bad_signature"]


def test_an_unsigned_bundle_is_refused_when_a_key_is_given(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    with pytest.raises(RulesetError) as exc:
        load_ruleset(_bundle(tmp_path, "colorado"), public_key=keys["pub"])
    assert [i.code for i in exc.value.issues] == ["bundle_unsigned"]
    with pytest.raises(RulesetError) as exc:
        load_ruleset("colorado", public_key=keys["pub"])
    assert [i.code for i in exc.value.issues] == ["signature_needs_bundle"]


@pytest.mark.parametrize("which", ["garbage", "private_as_public", "public_as_private"])
def test_a_bad_key_file_is_a_clear_error(tmp_path: Path, keys: dict[str, Path], which: str) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PUBLIC KEY-----\nnot a key\n", encoding="utf-8")
    with pytest.raises(RulesetError) as exc:
        if which == "public_as_private":
            write_bundle("colorado", tmp_path / "x.bundle.json", sign_key=keys["pub"])
        else:
            key = garbage if which == "garbage" else keys["key"]
            load_ruleset(_bundle(tmp_path, "colorado"), public_key=key)
    (issue,) = exc.value.issues
    assert issue.code == "key_invalid" and issue.loc.file.endswith(".pem")
    assert not (tmp_path / "x.bundle.json").exists()


# --- the command -------------------------------------------------------------------------


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_bundle_verify_and_evaluate(tmp_path: Path, keys: dict[str, Path]) -> None:
    target = tmp_path / "mp.bundle.json"
    digest = load_ruleset("model-policy").digest
    code, out, err = _run(
        "bundle", "model-policy", "--out", str(target), "--sign-key", str(keys["key"])
    )
    assert code == 0, err
    assert digest in out and f"--pin {digest}" in out
    bundle = _alone(tmp_path, target)

    code, out, err = _run("verify-bundle", str(bundle), "--public-key", str(keys["pub"]))
    assert code == 0, err
    assert "verified" in out and digest in out

    code, out, err = _run("verify-bundle", str(bundle), "--public-key", str(keys["other_pub"]))
    assert code == 1 and "bundle_wrong_key" in err

    code, out, err = _run(
        "evaluate", "--example", "prone-restraint", "--ruleset", str(bundle), "--pin", digest
    )
    assert code == 0, err
    assert json.loads(out)["ruleset"]["digest"] == digest

    wrong = load_ruleset("federal-baseline").digest
    code, out, err = _run(
        "evaluate", "--example", "prone-restraint", "--ruleset", str(bundle), "--pin", wrong
    )
    assert code == 2 and out == ""
    assert "pin_mismatch" in err and wrong in err and digest in err and str(bundle) in err

    code, out, err = _run("evaluate", "--example", "prone-restraint", "--pin", "sha256:beef")
    assert code == 2 and "bad_pin" in err


def test_cli_bundle_refuses_a_wrong_pin_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "t.bundle.json"
    wrong = load_ruleset("federal-baseline").digest
    code, _, err = _run("bundle", "texas", "--out", str(target), "--pin", wrong)
    assert code == 2 and "pin_mismatch" in err
    assert not target.exists()


def test_cli_verify_refuses_a_tampered_bundle(tmp_path: Path, keys: dict[str, Path]) -> None:
    target = tmp_path / "mp.bundle.json"
    assert (
        _run("bundle", "model-policy", "--out", str(target), "--sign-key", str(keys["key"]))[0] == 0
    )
    _edit(target, _plant_action)
    code, _, err = _run("verify-bundle", str(target), "--public-key", str(keys["pub"]))
    assert code == 1 and "bundle_bad_signature" in err


def test_cli_keygen_never_overwrites(tmp_path: Path) -> None:
    pytest.importorskip("cryptography", reason="signing needs the [sign] extra (cryptography)")
    assert _run("keygen", "--out", str(tmp_path))[0] == 0
    private = tmp_path / "intervene.key.pem"
    assert private.read_text(encoding="utf-8").startswith("-----BEGIN PRIVATE KEY-----")
    assert private.stat().st_mode & 0o077 == 0
    before = private.read_bytes()
    code, _, err = _run("keygen", "--out", str(tmp_path))
    assert code == 2 and "exists" in err
    assert private.read_bytes() == before


def test_without_cryptography_keygen_says_which_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    for name in [m for m in sys.modules if m == "cryptography" or m.startswith("cryptography.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "cryptography", None)
    code, _, err = _run("keygen", "--out", str(tmp_path))
    assert code == 1 and "intervene_rules[sign]" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())
