"""Ed25519 signatures of bundles (the optional `cryptography` package, imported when used).

A signature covers `bundle.signed_bytes(data)`: the compact canonical JSON of the bundle
without its `signature` field. The bundle records the signing key's fingerprint
(`sha256:` of the raw 32-byte public key) so a reader can tell which key it expects; only
the signature itself is trusted.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intervene_rules.errors import BackendUnavailableError, Issue, RulesetError
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset.bundle import signed_bytes

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

ALG = "ed25519"
MAX_KEY_BYTES = 64 * 1024
_KEYGEN_HELP = "make a key pair with `intervene keygen --out DIR`"


def _need_crypto() -> None:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        raise BackendUnavailableError(
            "signing and verifying bundles needs the `cryptography` package: "
            "pip install 'intervene_rules[sign]'"
        ) from None


def keygen() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair: (private key as unencrypted PKCS#8 PEM, public key as PEM)."""
    _need_crypto()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def fingerprint(key: Ed25519PublicKey) -> str:
    """`sha256:` and the hex sha256 of the raw 32-byte public key."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _key_issue(path: Path, message: str) -> RulesetError:
    return RulesetError(
        [Issue("key_invalid", message, SourceLocation(str(path)), help=_KEYGEN_HELP)]
    )


def _read_pem(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_KEY_BYTES + 1)
    except OSError as exc:
        raise RulesetError(
            [
                Issue(
                    "key_unreadable",
                    f"cannot read the key file: {exc.strerror or type(exc).__name__}",
                    SourceLocation(str(path)),
                    help="check the path and that the file is readable",
                )
            ]
        ) from None
    if len(data) > MAX_KEY_BYTES:
        raise _key_issue(path, "this file is far larger than a key")
    return data


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """The Ed25519 private key of a PEM file (unencrypted PKCS#8, as `keygen` writes).

    Raises:
        RulesetError: `key_unreadable` or `key_invalid`, located at the file.
        BackendUnavailableError: `cryptography` is not installed.

    """
    _need_crypto()
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path)
    data = _read_pem(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise _key_issue(path, "the private key is encrypted; give an unencrypted key") from None
    except (ValueError, UnsupportedAlgorithm):
        what = "a public key" if b"PUBLIC KEY" in data else "not a private key in PEM form"
        raise _key_issue(path, f"this is {what}; signing needs an Ed25519 private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise _key_issue(
            path, f"this is a {type(key).__name__} key; bundles are signed with Ed25519 keys"
        )
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """The Ed25519 public key of a PEM file (SubjectPublicKeyInfo, as `keygen` writes).

    Raises:
        RulesetError: `key_unreadable` or `key_invalid`, located at the file.
        BackendUnavailableError: `cryptography` is not installed.

    """
    _need_crypto()
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    path = Path(path)
    data = _read_pem(path)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        what = "a private key" if b"PRIVATE KEY" in data else "not a public key in PEM form"
        raise _key_issue(
            path, f"this is {what}; verifying needs the Ed25519 public key (*.pub.pem)"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise _key_issue(
            path, f"this is a {type(key).__name__} key; bundles are signed with Ed25519 keys"
        )
    return key


def sign(data: dict[str, Any], key_path: str | Path) -> dict[str, Any]:
    """The bundle with a signature by the private key at `key_path` (any old one replaced)."""
    key = load_private_key(key_path)
    value = key.sign(signed_bytes(data))
    signature = {
        "alg": ALG,
        "key": fingerprint(key.public_key()),
        "value": base64.b64encode(value).decode("ascii"),
    }
    return {**data, "signature": signature}


def verify(data: dict[str, Any], key_path: str | Path, where: SourceLocation) -> str:
    """Check the bundle's signature with the public key at `key_path`; its fingerprint.

    Raises:
        RulesetError: `bundle_unsigned`, `bundle_wrong_key` (signed with another key) or
            `bundle_bad_signature` (changed after signing), located at the signature.

    """
    from cryptography.exceptions import InvalidSignature

    key = load_public_key(key_path)
    expected = fingerprint(key)

    def refuse(code: str, message: str, help: str) -> RulesetError:
        return RulesetError([Issue(code, message, where, help=help)])

    sig = data.get("signature")
    if sig is None:
        raise refuse(
            "bundle_unsigned",
            "the bundle is not signed, and a public key was given to verify it",
            "sign it: intervene bundle RULESET --out FILE --sign-key KEY.pem",
        )
    value = sig.get("value") if isinstance(sig, dict) else None
    if not isinstance(sig, dict) or sig.get("alg") != ALG or not isinstance(value, str):
        raise refuse(
            "bundle_bad_signature",
            "the bundle's signature is not an Ed25519 signature as `intervene bundle` writes",
            "sign the bundle again with `intervene bundle ... --sign-key KEY.pem`",
        )
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        raw = b""
    try:
        key.verify(raw, signed_bytes(data))
    except InvalidSignature:
        stated = sig.get("key")
        if isinstance(stated, str) and stated != expected:
            raise refuse(
                "bundle_wrong_key",
                f"the bundle was signed with key {stated}, not with the key given ({expected})",
                "verify with the public key of the unit that issued the bundle, or ask it for "
                "a bundle signed with its key",
            ) from None
        raise refuse(
            "bundle_bad_signature",
            f"the signature does not match key {expected}: the bundle was changed after it "
            "was signed",
            "do not use this bundle; ask the issuing unit for the signed original",
        ) from None
    return expected


__all__ = ["keygen", "load_private_key", "load_public_key", "sign", "verify"]
