"""`intervene bundle`, `intervene verify-bundle`, `intervene keygen`: approved rulesets, pinned.

Exit codes: 0 written / verified; 1 `verify-bundle` refused the bundle (signature, digest
or pin) or `cryptography` is missing; 2 a ruleset, bundle or key that cannot be read, or a
file that cannot be written (the issues printed with their locations, never a traceback).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, TextIO

from intervene_rules.cli.options import add_colour_option
from intervene_rules.cli.render import fail, render_issues, use_colour
from intervene_rules.errors import BackendUnavailableError, RulesetError

#: Issues of `verify-bundle` that refuse a readable bundle (exit 1, not 2).
REFUSALS = frozenset(
    {
        "bundle_bad_signature",
        "bundle_wrong_key",
        "bundle_unsigned",
        "bundle_digest_mismatch",
        "bundle_manifest_mismatch",
        "pin_mismatch",
    }
)


def add_pin_option(parser: argparse.ArgumentParser) -> None:
    """`--pin sha256:…`: refuse a ruleset whose digest is not the one approved."""
    parser.add_argument(
        "--pin",
        default=None,
        metavar="sha256:HEX",
        help="the digest approved for deployment; a ruleset with another digest is refused",
    )


def add_parsers(sub: Any) -> None:
    """Add the `bundle`, `verify-bundle` and `keygen` subcommands."""
    b = sub.add_parser(
        "bundle",
        help="write a ruleset as one canonical, loadable file with a manifest (and signature)",
    )
    b.add_argument("ruleset", help="bundled ruleset id, ruleset file path, or bundle to re-sign")
    b.add_argument(
        "--out", required=True, metavar="FILE", help="the bundle to write (*.bundle.json)"
    )
    b.add_argument(
        "--sign-key", default=None, metavar="KEY.pem", help="sign with this Ed25519 private key"
    )
    add_pin_option(b)
    add_colour_option(b)

    v = sub.add_parser(
        "verify-bundle", help="check a bundle's signature, digest and manifest (and a pin)"
    )
    v.add_argument("bundle", help="the bundle file (*.bundle.json)")
    v.add_argument(
        "--public-key", required=True, metavar="PUB.pem", help="the issuer's Ed25519 public key"
    )
    add_pin_option(v)
    add_colour_option(v)

    k = sub.add_parser("keygen", help="write a new Ed25519 key pair for signing bundles")
    k.add_argument("--out", required=True, metavar="DIR", help="the folder to write the keys in")
    k.add_argument("--name", default="intervene", help="file names: NAME.key.pem and NAME.pub.pem")


def run_bundle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene bundle`; returns the exit code."""
    from intervene_rules.ruleset.ruleset import write_bundle

    try:
        rs = write_bundle(args.ruleset, args.out, pin=args.pin, sign_key=args.sign_key)
    except RulesetError as exc:
        print(render_issues(exc.issues, colour=use_colour(err, args.color)), file=err)
        return 2
    except BackendUnavailableError as exc:
        return fail(str(exc), err, code=1)
    signed = " (signed)" if args.sign_key else ""
    print(f"wrote {args.out}{signed}: {rs.id} {rs.version} {rs.digest}", file=out)
    print(f"layers: {', '.join(rs.layers)}", file=out)
    print(f"pin it: --pin {rs.digest}", file=out)
    return 0


def run_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene verify-bundle`; returns the exit code."""
    from intervene_rules.ruleset import bundle, signing
    from intervene_rules.ruleset.ruleset import load_ruleset

    colour = use_colour(err, args.color)
    if bundle.bundle_path(args.bundle) is None:
        return fail(f"{args.bundle}: not a bundle file (write one with `intervene bundle`)", err)
    try:
        key = signing.fingerprint(signing.load_public_key(args.public_key))
        rs = load_ruleset(args.bundle, pin=args.pin, public_key=args.public_key)
    except RulesetError as exc:
        print(render_issues(exc.issues, colour=colour), file=err)
        return 1 if any(i.code in REFUSALS for i in exc.issues) else 2
    except BackendUnavailableError as exc:
        return fail(str(exc), err, code=1)
    pinned = " and the pin" if args.pin else ""
    print(f"{args.bundle}: verified: signed with key {key}; digest{pinned} agree", file=out)
    print(f"{rs.id} {rs.version} {rs.digest}", file=out)
    return 0


def run_keygen(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene keygen`; returns the exit code."""
    from intervene_rules.ruleset import signing

    folder = Path(args.out)
    private_path = folder / f"{args.name}.key.pem"
    public_path = folder / f"{args.name}.pub.pem"
    if not folder.is_dir():
        return fail(f"{folder}: no such folder", err)
    for path in (private_path, public_path):
        if path.exists():
            return fail(f"{path}: exists already; keys are never overwritten", err)
    try:
        private, public = signing.keygen()
    except BackendUnavailableError as exc:
        return fail(str(exc), err, code=1)
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(private)
        public_path.write_bytes(public)
    except OSError as exc:
        return fail(f"cannot write the keys: {exc.strerror or exc}", err)
    print(f"wrote {private_path} (private: keep it with the policy unit)", file=out)
    print(f"wrote {public_path} (public: give it to those who verify bundles)", file=out)
    return 0


__all__ = ["add_parsers", "add_pin_option", "run_bundle", "run_keygen", "run_verify"]
