"""Interoperability with the providers' PyPI SDKs: fzlee's `python-alipay-sdk` (module
`alipay`) and `wechatpayv3`. Run by tests/e2e/provider_sdks.rs, one subcommand per step; each
prints one JSON object (or, for `fake`, its port) on stdout and exits non-zero on any failure.

Every signature, verification and decryption below is the SDK's own function:
  alipay.AliPay: `sign_data`, `_sign`, `_verify`, `verify`, `_ordered_data`
  wechatpayv3.utils: `build_authorization`, `rsa_sign`, `rsa_verify`, `aes_decrypt`,
  and wechatpayv3.WeChatPay's own callback check (`decrypt_callback`).
`cryptography` is used only to generate the keys and to encrypt a callback's resource (the
SDKs only decrypt; WeChat Pay encrypts).

Subcommands:
  keys DIR                    generate every key pair (RSA 2048) into DIR
  alipay-page-pay DIR URL     Entitle signed the page.pay URL: the SDK rebuilds and checks it
  alipay-notify DIR ...       the SDK signs an async notify as Alipay (with Alipay's key)
  wechat-callback DIR ...     a TRANSACTION.SUCCESS callback signed with the SDK as WeChat Pay
  fake DIR ...                a WeChat Pay API fake (native orders) and an Alipay gateway stub
"""

import argparse
import base64
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from alipay import AliPay
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3 import utils as wx

# The key pairs, by role. The Alipay app key is written PKCS#1 ("BEGIN RSA PRIVATE KEY", what
# fzlee's SDK documents); the WeChat Pay merchant key PKCS#8 (what the merchant portal gives).
# Alipay's public key is also written as bare base64 SPKI (what Alipay's portal shows).
KEYS = ("alipay_app", "alipay", "merchant", "wechat")


def read(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8") as f:
        return f.read()


def write(directory, name, text):
    with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
        f.write(text)


def keys(args):
    for role in KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pkcs1 = role == "alipay_app" or role == "alipay"
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL
            if pkcs1
            else serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            )
            .decode()
        )
        write(args.dir, f"{role}_private.pem", private)
        write(args.dir, f"{role}_public.pem", public)
        if role == "alipay":
            bare = "".join(line for line in public.splitlines() if "-----" not in line)
            write(args.dir, "alipay_public.b64", bare + "\n")
    print(json.dumps({"keys": sorted(os.listdir(args.dir))}))


# ----------------------------------------------------------------------------------- Alipay


def alipay_page_pay(args):
    """Entitle signs -> the SDK verifies. The page.pay URL's params, minus `sign`, go through
    the SDK's own signing-string builder; the SDK verifies Entitle's signature over it with the
    app's PUBLIC key, and the SDK signing the same params with the app's private key yields the
    identical signature (PKCS#1 v1.5 is deterministic)."""
    query = urlsplit(args.url).query
    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    params = dict(pairs)
    assert len(params) == len(pairs), f"a parameter is repeated: {pairs}"
    entitle_sign = params.pop("sign")
    # As the app: signs with the app private key. `_verify` uses the "Alipay public key"
    # slot, so the verifying instance holds the app's public key there (Alipay's role).
    as_app = AliPay(
        appid=params["app_id"],
        app_private_key_string=read(args.dir, "alipay_app_private.pem"),
        alipay_public_key_string=read(args.dir, "alipay_app_public.pem"),
        sign_type="RSA2",
    )
    # The SDK's string to sign (exactly `sign_data`'s): on requests `sign_type` is signed.
    ordered = as_app._ordered_data(dict(params))
    unsigned = "&".join("{}={}".format(k, v) for k, v in ordered)
    verified = as_app._verify(unsigned, entitle_sign)
    sdk_sign = as_app._sign(unsigned)
    sdk_signed = parse_qs(as_app.sign_data(dict(params)))
    result = {
        "verified": verified,
        "same_signature": sdk_sign == entitle_sign,
        "sign_data_same_signature": sdk_signed["sign"] == [entitle_sign],
        "sign_data_same_params": {k: v[0] for k, v in sdk_signed.items() if k != "sign"}
        == params,
        "unsigned": unsigned,
        "params": params,
        "biz_content": json.loads(params["biz_content"]),
    }
    print(json.dumps(result, ensure_ascii=False))
    if not (verified and result["same_signature"] and result["sign_data_same_signature"]):
        sys.exit(f"the SDK does not accept Entitle's page.pay signature: {result}")


def alipay_notify(args):
    """The SDK signs -> Entitle verifies. A TRADE_SUCCESS notify signed by the SDK with
    ALIPAY's private key. Alipay signs notifies without `sign` and `sign_type` (the SDK's
    `verify` pops `sign_type` before checking), so `sign_data` signs the params without
    `sign_type`, which is then added. With --tamper-amount the amount is changed after
    signing."""
    as_alipay = AliPay(
        appid=args.app_id,
        app_private_key_string=read(args.dir, "alipay_private.pem"),
        alipay_public_key_string=read(args.dir, "alipay_public.pem"),
        sign_type="RSA2",
    )
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 8 * 3600))
    data = {
        "app_id": args.app_id,
        "auth_app_id": args.app_id,
        "buyer_id": "2088102177846880",
        "buyer_pay_amount": args.total_amount,
        "charset": "utf-8",
        # Raw JSON inside a form value: signed as the decoded text.
        "fund_bill_list": json.dumps(
            [{"amount": args.total_amount, "fundChannel": "ALIPAYACCOUNT"}],
            separators=(",", ":"),
        ),
        "gmt_create": now,
        "gmt_payment": now,
        "invoice_amount": args.total_amount,
        "notify_id": secrets.token_hex(16),
        "notify_time": now,
        "notify_type": "trade_status_sync",
        "out_trade_no": args.out_trade_no,
        "point_amount": "0.00",
        "receipt_amount": args.total_amount,
        "seller_id": "2088102177649450",
        # Not ASCII, with a space: the signature is over the UTF-8 of the decoded value.
        "subject": "Entitle 订单 DR",
        "total_amount": args.total_amount,
        "trade_no": args.trade_no,
        "trade_status": "TRADE_SUCCESS",
        "version": "1.0",
    }
    signed = parse_qs(as_alipay.sign_data(dict(data)))
    sign = signed["sign"][0]
    form = dict(data, sign=sign, sign_type="RSA2")
    if args.tamper_amount:
        form["total_amount"] = args.tamper_amount
    # The SDK's own notify check (as a merchant would run it) agrees with what is sent.
    sdk_accepts = as_alipay.verify({k: v for k, v in form.items() if k != "sign"}, sign)
    if sdk_accepts != (not args.tamper_amount):
        sys.exit(f"the SDK's own verify says {sdk_accepts} for this notify")
    print(json.dumps({"body": urlencode(form), "sdk_accepts": sdk_accepts}))


# ----------------------------------------------------------------------------------- WeChat


def encrypt_resource(apiv3_key, plaintext):
    """AEAD_AES_256_GCM as WeChat Pay encrypts a callback's resource."""
    nonce = secrets.token_hex(6)  # 12 characters, used as their UTF-8 bytes
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), plaintext.encode(), b"transaction"
    )
    return {
        "original_type": "transaction",
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": "transaction",
        "nonce": nonce,
    }


def signed_headers(private_key, public_key_id, body, timestamp=None):
    timestamp = str(timestamp or int(time.time()))
    nonce = secrets.token_hex(16)
    signature = wx.rsa_sign(private_key, f"{timestamp}\n{nonce}\n{body}\n")
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": public_key_id,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


def wechat_callback(args):
    """The SDK signs -> Entitle verifies. A TRANSACTION.SUCCESS callback: the resource encrypted
    with AESGCM (checked to decrypt with the SDK's `aes_decrypt`), the headers signed with the
    SDK's `rsa_sign` by WeChat Pay's key, and the whole accepted by the SDK's own
    `WeChatPay.decrypt_callback` in public-key mode. With --tamper-total the resource is
    re-encrypted with another amount after the headers were signed."""
    wechat_key = wx.load_private_key(read(args.dir, "wechat_private.pem"))

    def transaction(total):
        return json.dumps(
            {
                "appid": args.appid,
                "mchid": args.mchid,
                "out_trade_no": args.out_trade_no,
                "transaction_id": args.transaction_id,
                "trade_type": "NATIVE",
                "trade_state": "SUCCESS",
                "trade_state_desc": "支付成功",
                "bank_type": "OTHERS",
                "attach": "",
                "success_time": time.strftime(
                    "%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600)
                ),
                "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
                "amount": {
                    "total": total,
                    "payer_total": total,
                    "currency": "CNY",
                    "payer_currency": "CNY",
                },
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def notification(plaintext):
        resource = encrypt_resource(args.apiv3_key, plaintext)
        decrypted = wx.aes_decrypt(
            nonce=resource["nonce"],
            ciphertext=resource["ciphertext"],
            associated_data=resource["associated_data"],
            apiv3_key=args.apiv3_key,
        )
        if decrypted != plaintext:
            sys.exit("the SDK's aes_decrypt does not read the resource back")
        return json.dumps(
            {
                "id": secrets.token_hex(18),
                "create_time": time.strftime(
                    "%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600)
                ),
                "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS",
                "summary": "支付成功",
                "resource": resource,
            },
            ensure_ascii=False,
        )

    body = notification(transaction(args.total))
    headers = signed_headers(wechat_key, args.public_key_id, body)
    if args.tamper_total is not None:
        body = notification(transaction(args.tamper_total))
    # The SDK as a merchant would use it (public-key mode: no certificate download).
    merchant = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=args.mchid,
        private_key=read(args.dir, "merchant_private.pem"),
        cert_serial_no=args.serial_no,
        appid=args.appid,
        apiv3_key=args.apiv3_key,
        public_key=read(args.dir, "wechat_public.pem"),
        public_key_id=args.public_key_id,
    )
    sdk_accepts = merchant.decrypt_callback(headers, body) is not None
    if sdk_accepts != (args.tamper_total is None):
        sys.exit(f"the SDK's own decrypt_callback says {sdk_accepts} for this callback")
    print(json.dumps({"headers": headers, "body": body, "sdk_accepts": sdk_accepts}))


def parse_authorization(header):
    scheme, _, rest = header.partition(" ")
    fields = {}
    for part in rest.split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value.strip('"')
    return scheme, fields


class Fake(BaseHTTPRequestHandler):
    """WeChat Pay's API for native orders, checking each request's Authorization with the SDK,
    and answering signed with the SDK; GET /_checks lists what was checked. POST /_bad_next
    makes the next answer signed by a key WeChat Pay does not have."""

    checks = []
    bad_next = False
    lock = threading.Lock()
    config = None

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_checks":
            with Fake.lock:
                self.reply(200, json.dumps(Fake.checks, ensure_ascii=False))
        else:
            self.reply(404, json.dumps({"code": "NOT_FOUND", "message": self.path}))

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        if self.path == "/_bad_next":
            with Fake.lock:
                Fake.bad_next = True
            self.reply(200, "{}")
        elif self.path == "/v3/pay/transactions/native":
            self.native(body)
        else:
            # The Alipay gateway stub (and anything else): not part of these checks.
            self.reply(404, json.dumps({"code": "NOT_FOUND", "message": self.path}))

    def native(self, body):
        c = Fake.config
        check = {"path": self.path, "method": "POST"}
        try:
            scheme, auth = parse_authorization(self.headers.get("Authorization", ""))
            merchant_key = wx.load_private_key(read(c.dir, "merchant_private.pem"))
            merchant_public = wx.load_public_key(read(c.dir, "merchant_public.pem"))
            # The SDK's own Authorization for the same request, at Entitle's timestamp and
            # nonce (build_authorization reads the clock; it is pinned to Entitle's value).
            with Fake.lock, mock.patch.object(wx.time, "time", return_value=int(auth["timestamp"])):
                expected = wx.build_authorization(
                    self.path, "POST", c.mchid, c.serial_no, merchant_key,
                    data=body, nonce_str=auth["nonce_str"],
                )
            _, expected_fields = parse_authorization(expected)
            # The SDK's rsa_verify signs "A\nB\nC\n"; the request's "METHOD\nPATH\nTS\nNONCE\n
            # BODY\n" is that with A = "METHOD\nPATH\nTS".
            verified = wx.rsa_verify(
                f"POST\n{self.path}\n{auth['timestamp']}", auth["nonce_str"], body,
                auth["signature"], merchant_public,
            )
            order = json.loads(body)
            check.update(
                scheme=scheme,
                same_authorization=expected_fields == auth,
                rsa_verify=verified,
                mchid=auth.get("mchid"),
                serial_no=auth.get("serial_no"),
                order=order,
            )
            check["ok"] = (
                scheme == "WECHATPAY2-SHA256-RSA2048"
                and check["same_authorization"]
                and verified
                and auth.get("mchid") == c.mchid
                and auth.get("serial_no") == c.serial_no
                and order.get("mchid") == c.mchid
                and order.get("appid") == c.appid
            )
            if not check["ok"]:
                check["expected"] = expected_fields
                check["got"] = auth
        except Exception as e:  # reported through /_checks
            check.update(ok=False, error=repr(e))
        with Fake.lock:
            Fake.checks.append(check)
            bad, Fake.bad_next = Fake.bad_next, False
        if not check["ok"]:
            self.reply(401, json.dumps({"code": "SIGN_ERROR", "message": "签名错误"}))
            return
        answer = json.dumps({"code_url": "weixin://wxpay/bizpayurl?pr=abc"})
        if bad:
            signer = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            signer = wx.load_private_key(read(c.dir, "wechat_private.pem"))
        self.reply(200, answer, signed_headers(signer, c.public_key_id, answer))


def fake(args):
    Fake.config = args
    server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("keys")
    p.add_argument("dir")
    p.set_defaults(run=keys)
    p = commands.add_parser("alipay-page-pay")
    p.add_argument("dir")
    p.add_argument("url")
    p.set_defaults(run=alipay_page_pay)
    p = commands.add_parser("alipay-notify")
    p.add_argument("dir")
    p.add_argument("--app-id", required=True)
    p.add_argument("--out-trade-no", required=True)
    p.add_argument("--trade-no", required=True)
    p.add_argument("--total-amount", required=True)
    p.add_argument("--tamper-amount")
    p.set_defaults(run=alipay_notify)
    p = commands.add_parser("wechat-callback")
    p.add_argument("dir")
    for name in ("appid", "mchid", "serial-no", "apiv3-key", "public-key-id",
                 "out-trade-no", "transaction-id"):
        p.add_argument(f"--{name}", required=True)
    p.add_argument("--total", type=int, required=True)
    p.add_argument("--tamper-total", type=int)
    p.set_defaults(run=wechat_callback)
    p = commands.add_parser("fake")
    p.add_argument("dir")
    for name in ("appid", "mchid", "serial-no", "public-key-id"):
        p.add_argument(f"--{name}", required=True)
    p.set_defaults(run=fake)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
