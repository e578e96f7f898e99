"""Interoperability with Stripe's PyPI SDK (`stripe`) and with PayPal's webhook signature scheme
as `cryptography` computes it. Run by tests/e2e/intl_sdks.rs, one subcommand per step; each
prints one JSON object (or, for `cert-server`, its port) on stdout and exits non-zero on any
failure of its own.

Stripe: every signature and verification is the SDK's own function,
  `stripe.WebhookSignature.generate_signature_header` (sign) and
  `stripe.Webhook.construct_event` (verify; raises `stripe.SignatureVerificationError`).
PayPal publishes no maintained Python SDK for webhook self-verification, so its scheme is
computed here from PayPal's documentation: RSA PKCS#1 v1.5 SHA-256 (`cryptography`) over
`transmission_id|transmission_time|webhook_id|crc32(body)`, crc32 from `zlib`, with a
self-signed X.509 certificate (made with `cryptography`) served over loopback http.

Subcommands:
  stripe-webhooks --base URL --secret S   sign events with the SDK, post them to Entitle
  stripe-verify --secret S --header H --payload FILE
                                          Entitle signed FILE: the SDK verifies the header
  paypal-keys DIR                         an RSA 2048 key (PKCS#8 PEM) and its certificate
  cert-server DIR                         serves DIR's certificate; GET /_requests counts
  paypal-webhooks DIR --base URL --webhook-id ID --cert-base URL
                                          sign PayPal webhooks, post them to Entitle
  paypal-verify DIR --webhook-id ID ...   Entitle signed a transmission: verify it
"""

import argparse
import base64
import datetime
import json
import os
import secrets
import sys
import threading
import time
import uuid
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib import error, request

import stripe
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

# Loopback only: no proxy from the environment may stand between the script and the servers.
HTTP = request.build_opener(request.ProxyHandler({}))


def post(url, body, headers):
    """POSTs the raw bytes `body`; the status and the answer's text, whatever the status."""
    req = request.Request(url, data=body, method="POST", headers=headers)
    try:
        with HTTP.open(req, timeout=30) as answer:
            return {"status": answer.status, "body": answer.read().decode()}
    except error.HTTPError as refused:
        return {"status": refused.code, "body": refused.read().decode()}


def get_json(url):
    with HTTP.open(url, timeout=30) as answer:
        return json.loads(answer.read())


def path(directory, name):
    return os.path.join(directory, name)


# ----------------------------------------------------------------------------------- Stripe


def sdk_accepts(payload, header, secret):
    """The SDK's own webhook check, as a merchant's endpoint runs it."""
    try:
        stripe.Webhook.construct_event(payload, header, secret)
        return True
    except stripe.SignatureVerificationError:
        return False


def stripe_webhooks(args):
    """The SDK signs -> Entitle verifies. A `checkout.session.expired` event (nothing paid,
    so Entitle acknowledges it without asking Stripe anything), signed with the SDK's
    `generate_signature_header`; then the same bytes with one byte changed after signing,
    and a properly signed one whose timestamp is 10 minutes old."""
    now = int(time.time())
    session = str(uuid.uuid4())
    event = {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": "2024-06-20",
        "created": now,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "checkout.session.expired",
        "data": {
            "object": {
                "id": "cs_test_" + secrets.token_hex(12),
                "object": "checkout.session",
                "amount_total": 1000,
                "currency": "usd",
                "client_reference_id": session,
                "metadata": {"order_id": str(uuid.uuid4())},
                # Not ASCII: both sides sign the UTF-8 bytes.
                "customer_details": {"name": "Zoë Ångström"},
                "mode": "payment",
                "payment_status": "unpaid",
                "status": "expired",
            }
        },
    }
    text = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    body = text.encode()
    header = stripe.WebhookSignature.generate_signature_header(text, args.secret)
    tampered = body.replace(b'"amount_total":1000', b'"amount_total":9000')
    changed = [i for i, (a, b) in enumerate(zip(body, tampered)) if a != b]
    if len(tampered) != len(body) or len(changed) != 1:
        sys.exit(f"the tampered body should differ by one byte: {changed}")
    stale_header = stripe.WebhookSignature.generate_signature_header(
        text, args.secret, timestamp=now - 600
    )
    sdk = {
        "good": sdk_accepts(body, header, args.secret),
        "tampered": sdk_accepts(tampered, header, args.secret),
        "stale": sdk_accepts(body, stale_header, args.secret),
    }
    if sdk != {"good": True, "tampered": False, "stale": False}:
        sys.exit(f"the SDK does not judge its own webhooks as expected: {sdk}")
    url = f"{args.base}/v1/payments/stripe/callback"

    def send(payload, signature):
        return post(url, payload, {"Content-Type": "application/json; charset=utf-8",
                                   "Stripe-Signature": signature})

    result = {
        "event_id": event["id"],
        "header": header,
        "stale_header": stale_header,
        "sdk_accepts": sdk,
        # The refused ones first: they must change nothing.
        "tampered": send(tampered, header),
        "stale": send(body, stale_header),
        "good": send(body, header),
    }
    print(json.dumps(result, ensure_ascii=False))


def stripe_verify(args):
    """Entitle signs -> the SDK verifies. The header Entitle made for the payload is accepted
    by `construct_event` with the right secret, refused with another secret and for the
    payload with one byte changed, and is exactly what the SDK's own signer makes at the same
    timestamp."""
    with open(args.payload, "rb") as f:
        payload = f.read()
    event = stripe.Webhook.construct_event(payload, args.header, args.secret)
    timestamp, _ = stripe.WebhookSignature._get_timestamp_and_signatures(args.header, "v1")
    sdk_header = stripe.WebhookSignature.generate_signature_header(
        payload.decode(), args.secret, timestamp=timestamp
    )
    tampered = payload.replace(b'"amount_total":1000', b'"amount_total":9000')
    if tampered == payload:
        sys.exit("the payload has no amount_total of 1000 to change")
    refusals = {}
    for name, (body, secret) in {
        "wrong_secret": (payload, args.secret + "x"),
        "tampered": (tampered, args.secret),
    }.items():
        try:
            stripe.Webhook.construct_event(body, args.header, secret)
            refusals[name] = None
        except stripe.SignatureVerificationError as refused:
            refusals[name] = f"{type(refused).__module__}.{type(refused).__name__}"
    print(json.dumps({
        "verified": True,
        "event_id": event.id,
        "event_type": event.type,
        "same_header": sdk_header == args.header,
        "sdk_header": sdk_header,
        "refused": refusals,
    }))


# ----------------------------------------------------------------------------------- PayPal


def paypal_keys(args):
    """PayPal's signing key (RSA 2048, written PKCS#8) and a self-signed v3 certificate for
    it, on a `.test` name so it can never pass for one of PayPal's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                         "messageverificationcerts.paypal.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("messageverificationcerts.paypal.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    with open(path(args.dir, "paypal_private.pem"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(path(args.dir, "paypal_cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    print(json.dumps({"keys": sorted(os.listdir(args.dir))}))


class Certs(BaseHTTPRequestHandler):
    """Serves the certificate at /certs/cert.pem and at /elsewhere/cert.pem; counts every
    request by path; GET /_requests answers the counts (itself not counted)."""

    pem = b""
    counts = Counter()
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_requests":
            with Certs.lock:
                counts = dict(Certs.counts)
            self.reply(200, json.dumps(counts).encode(), "application/json")
            return
        with Certs.lock:
            Certs.counts[self.path] += 1
        if self.path in ("/certs/cert.pem", "/elsewhere/cert.pem"):
            self.reply(200, Certs.pem, "application/x-pem-file")
        else:
            self.reply(404, b"not found", "text/plain")


def cert_server(args):
    with open(path(args.dir, "paypal_cert.pem"), "rb") as f:
        Certs.pem = f.read()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Certs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(server.server_address[1], flush=True)
    thread.join()


def load_key(directory):
    with open(path(directory, "paypal_private.pem"), "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def load_public(directory):
    with open(path(directory, "paypal_cert.pem"), "rb") as f:
        return x509.load_pem_x509_certificate(f.read()).public_key()


def transmission_message(transmission_id, transmission_time, webhook_id, body):
    return f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(body) & 0xffffffff}"


def verifies(public, signature_b64, message):
    try:
        public.verify(base64.b64decode(signature_b64, validate=True), message.encode(),
                      padding.PKCS1v15(), hashes.SHA256())
        return True
    except (InvalidSignature, ValueError):
        return False


def paypal_webhooks(args):
    """The PayPal side signs -> Entitle verifies. A PAYMENT.CAPTURE.PENDING event (a pending
    capture changes nothing, so Entitle answers 200 once the signature verifies): first with
    its body changed after signing, then properly signed but naming a certificate outside the
    allowed prefix, then properly signed. Each signature is checked here too."""
    key = load_key(args.dir)
    public = load_public(args.dir)
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    event = {
        "id": "WH-" + secrets.token_hex(10).upper(),
        "event_version": "1.0",
        "create_time": stamp,
        "resource_type": "capture",
        "resource_version": "2.0",
        "event_type": "PAYMENT.CAPTURE.PENDING",
        "summary": "Payment pending for $ 10.00 USD",
        "resource": {
            "id": "CAP1",
            "status": "PENDING",
            "status_details": {"reason": "PENDING_REVIEW"},
            "amount": {"currency_code": "USD", "value": "10.00"},
            "custom_id": str(uuid.uuid4()),
            "supplementary_data": {"related_ids": {"order_id": "ORD1"}},
        },
    }
    body = json.dumps(event, separators=(",", ":")).encode()
    tampered = body.replace(b'"value":"10.00"', b'"value":"90.00"')
    if tampered == body:
        sys.exit("the tampered body is unchanged")
    url = f"{args.base}/v1/payments/paypal/callback"

    def delivery(cert_path):
        transmission_id = str(uuid.uuid4())
        message = transmission_message(transmission_id, stamp, args.webhook_id, body)
        signature = base64.b64encode(
            key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
        if not verifies(public, signature, message):
            sys.exit("the certificate's key does not verify its own signature")
        headers = {
            "Content-Type": "application/json",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": stamp,
            "PAYPAL-TRANSMISSION-SIG": signature,
            "PAYPAL-CERT-URL": f"{args.cert_base}{cert_path}",
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        }
        return headers, message

    tampered_headers, message = delivery("/certs/cert.pem")
    tampered_message = transmission_message(
        tampered_headers["PAYPAL-TRANSMISSION-ID"], stamp, args.webhook_id, tampered)
    if verifies(public, tampered_headers["PAYPAL-TRANSMISSION-SIG"], tampered_message):
        sys.exit("a signature verifies for the tampered body")
    elsewhere_headers, _ = delivery("/elsewhere/cert.pem")
    good_headers, _ = delivery("/certs/cert.pem")
    result = {
        "event_id": event["id"],
        "crc32": zlib.crc32(body) & 0xffffffff,
        "message": message,
        # The refused ones first: they must change nothing.
        "tampered": post(url, tampered, tampered_headers),
        "elsewhere": post(url, body, elsewhere_headers),
        "good": post(url, body, good_headers),
        "requests": get_json(f"{args.cert_base}/_requests"),
    }
    print(json.dumps(result))


def paypal_verify(args):
    """Entitle signs -> verified here. Entitle's message is the one built here from the same
    fields (zlib's crc32); its signature verifies with the certificate's public key, is the
    very signature `cryptography` makes with the key (PKCS#1 v1.5 is deterministic), and does
    not verify for the body with one byte changed."""
    with open(args.body, "rb") as f:
        body = f.read()
    message = transmission_message(args.transmission_id, args.transmission_time,
                                   args.webhook_id, body)
    public = load_public(args.dir)
    ours = base64.b64encode(load_key(args.dir).sign(
        message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    index = len(body) // 2
    changed = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1:]
    tampered = transmission_message(args.transmission_id, args.transmission_time,
                                    args.webhook_id, changed)
    result = {
        "verified": verifies(public, args.sig, message),
        "same_message": message == args.message,
        "message": message,
        "same_signature": ours == args.sig,
        "tampered_verified": verifies(public, args.sig, tampered),
    }
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    for name, run, positional, options in (
        ("stripe-webhooks", stripe_webhooks, False, ("base", "secret")),
        ("stripe-verify", stripe_verify, False, ("secret", "header", "payload")),
        ("paypal-keys", paypal_keys, True, ()),
        ("cert-server", cert_server, True, ()),
        ("paypal-webhooks", paypal_webhooks, True, ("base", "webhook-id", "cert-base")),
        ("paypal-verify", paypal_verify, True, ("webhook-id", "transmission-id",
                                                "transmission-time", "sig", "message", "body")),
    ):
        p = commands.add_parser(name)
        if positional:
            p.add_argument("dir")
        for option in options:
            p.add_argument(f"--{option}", required=True)
        p.set_defaults(run=run)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
