"""Reads an Entitle license file with `pyseto`, a PASETO implementation Entitle does not own.

Run by tests/e2e/license_files.rs as `license_file.py FILE KEYS`: FILE is an armoured license
file, KEYS the server's `/.well-known/entitle/keys.json`. The key is chosen by the `kid` of the
token's footer (read before verifying, as Entitle's verifier does) from the JWKS, built from the
JWK's raw `x` with `Key.from_asymmetric_key_params` (pyseto's way in from a JWK), and the token
is checked by pyseto's `decode`, which also checks `exp` and `nbf` against this machine's clock
(with Entitle's 5 minutes of leeway: pyseto reads the clock to the second, and a file just
issued may carry an `nbf` later in the same second).
Prints one JSON object on stdout; any failure of its own exits non-zero.

Printed: the payload's `sub`, `aud` and `machine.fingerprint`, the footer's `kid` and `typ`,
whether the kid is the RFC 7638 thumbprint of the key (so anyone can recompute it), and whether
pyseto refuses the token with one payload character changed and under another Ed25519 key.
"""

import base64
import hashlib
import json
import sys

import pyseto
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyseto import Key

PASETO = pyseto.Paseto.new(leeway=300)
BEGIN = "-----BEGIN ENTITLE LICENSE FILE-----"
END = "-----END ENTITLE LICENSE FILE-----"


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token_of(armoured):
    """The token inside the armour, whitespace removed (the armour wraps it in short lines)."""
    _, after_begin = armoured.split(BEGIN, 1)
    inner, _ = after_begin.split(END, 1)
    return "".join(inner.split())


def footer_of(token):
    """The footer, unverified: only used to pick the key, as the footer is signed too."""
    parts = token.split(".")
    assert len(parts) == 4 and parts[:2] == ["v4", "public"], token[:40]
    return json.loads(b64url_decode(parts[3]))


def thumbprint(jwk):
    """RFC 7638: SHA-256 of the required members, sorted, no whitespace; base64url."""
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"), sort_keys=True
    )
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())


def refused(key, token):
    try:
        PASETO.decode(key, token, deserializer=json)
    except pyseto.VerifyError:
        return True
    return False


def tampered(token):
    """The token with one character in the middle of its payload changed."""
    middle = len(token) // 2
    assert token[middle] != ".", "the middle of the token is its payload"
    flipped = "B" if token[middle] == "A" else "A"
    return token[:middle] + flipped + token[middle + 1 :]


def other_key():
    public = Ed25519PrivateKey.generate().public_key()
    pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return Key.new(version=4, purpose="public", key=pem)


def main(file_path, keys_path):
    with open(file_path, encoding="utf-8") as f:
        token = token_of(f.read())
    with open(keys_path, encoding="utf-8") as f:
        jwks = json.load(f)
    kid = footer_of(token)["kid"]
    matching = [jwk for jwk in jwks["keys"] if jwk["kid"] == kid]
    assert len(matching) == 1, f"kid {kid} is in the key set once: {jwks}"
    jwk = matching[0]
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519"), jwk
    key = Key.from_asymmetric_key_params(4, x=b64url_decode(jwk["x"]))

    decoded = PASETO.decode(key, token, deserializer=json)
    payload, footer = decoded.payload, decoded.footer
    print(
        json.dumps(
            {
                "sub": payload["sub"],
                "aud": payload["aud"],
                "fingerprint": payload["machine"]["fingerprint"],
                "kid": footer["kid"],
                "typ": footer["typ"],
                "kid_is_thumbprint": thumbprint(jwk) == kid,
                "tampered_refused": refused(key, tampered(token)),
                "other_key_refused": refused(other_key(), token),
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: license_file.py FILE KEYS")
    main(sys.argv[1], sys.argv[2])
