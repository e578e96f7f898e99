"""A whole purchase through the Python client generated from openapi/openapi.json.

Run by tests/e2e/generated_client.rs with ENTITLE_URL and ENTITLE_ADMIN_KEY set and the
generated package on PYTHONPATH. Every step asserts; any failure exits non-zero.
"""

import os

import httpx

from entitle_api import AuthenticatedClient
from entitle_api.api.accounts import create_account, create_api_key
from entitle_api.api.licenses import list_licenses
from entitle_api.api.orders import cancel_order, create_order, get_order
from entitle_api.api.quotes import create_quote
from entitle_api.models import (
    Account,
    AccountKind,
    Cycle,
    AccountInput,
    ApiKeyInput,
    OrderRequestPurchaseOrder,
    OrderRequestPurchaseOrderType,
    OrderStatus,
    PaymentMethod,
    Problem,
    QuoteRequestPurchaseRequest,
    QuoteRequestPurchaseRequestType,
    Region,
)

base = os.environ["ENTITLE_URL"]
admin = AuthenticatedClient(base_url=base, token=os.environ["ENTITLE_ADMIN_KEY"])

account = create_account.sync(
    client=admin,
    body=AccountInput(name="Generated Shanghai", kind=AccountKind.INDIVIDUAL, region=Region.CN),
)
assert isinstance(account, Account), account
assert account.currency.value == "CNY", account

key = create_api_key.sync(id=account.id, client=admin, body=ApiKeyInput(name="python"))
customer = AuthenticatedClient(base_url=base, token=key.key)

quote = create_quote.sync(
    id=account.id,
    client=customer,
    body=QuoteRequestPurchaseRequest(
        product="dr",
        quantity=3,
        type_=QuoteRequestPurchaseRequestType.PURCHASE,
        cycle=Cycle.YEAR,
    ),
)
assert quote.total == "5970.00", quote

order = create_order.sync(
    id=account.id,
    client=customer,
    idempotency_key="generated-client-1",
    body=OrderRequestPurchaseOrder(
        product="dr",
        quantity=3,
        payment_method=PaymentMethod.ALIPAY,
        type_=OrderRequestPurchaseOrderType.PURCHASE,
        cycle=Cycle.YEAR,
        auto_renew=True,
    ),
)
assert order.status == OrderStatus.PENDING_PAYMENT, order
assert order.total == "5970.00", order

page = httpx.get(order.checkout.url)
assert page.status_code == 200 and "Subscribe" in page.text, page
csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
paid = httpx.post(order.checkout.url + "/pay", data={"outcome": "succeed", "csrf": csrf})
assert paid.status_code == 303, paid

order = get_order.sync(id=order.id, client=customer)
assert order.status == OrderStatus.PAID, order

licenses = list_licenses.sync(id=account.id, client=customer)
products = sorted(license.product for license in licenses.items)
assert products == ["dr"] * 3 + ["failback"] * 3, products

refused = cancel_order.sync(id=order.id, client=customer)
assert isinstance(refused, Problem) and refused.code == "order_non_refundable", refused

print("generated client: purchase ok")
