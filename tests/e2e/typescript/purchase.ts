/**
 * A whole purchase through `openapi-fetch`, typed by the `paths` that `openapi-typescript`
 * generated from openapi/openapi.json into `schema.d.ts` beside this file.
 *
 * Run by tests/e2e/typescript_client.rs with ENTITLE_URL and ENTITLE_ADMIN_KEY set, after
 * `tsc --strict --exactOptionalPropertyTypes --noUncheckedIndexedAccess` checked it: a body
 * or an answer that does not fit the spec's types fails the build, not this run. No schema
 * is named here, only paths, so the spec's schemas may be renamed without touching it. Every
 * step asserts; any failure exits non-zero.
 */

import assert from "node:assert/strict";

import createClient from "openapi-fetch";

import type { paths } from "./schema.js";

function env(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is set`);
  return value;
}

const base = env("ENTITLE_URL");

/** A client that sends `key` as the bearer token the spec's `ApiKey` scheme asks for. */
function client(key: string) {
  return createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${key}` } });
}

/**
 * The data of a successful answer with status `status`; anything else fails with what the
 * server said. openapi-fetch types `data` as possibly undefined, so this is where a missing
 * body is caught.
 */
function ok<T>(
  what: string,
  status: number,
  result: { data?: T; error?: unknown; response: Response },
): T {
  assert.equal(result.error, undefined, `${what}: ${JSON.stringify(result.error)}`);
  assert.equal(result.response.status, status, `${what}: HTTP status`);
  assert.ok(result.data !== undefined, `${what}: a body`);
  return result.data;
}

const admin = client(env("ENTITLE_ADMIN_KEY"));

const account = ok(
  "create account",
  201,
  await admin.POST("/v1/accounts", {
    body: { name: "TypeScript Shanghai", kind: "individual", region: "cn" },
  }),
);
assert.equal(account.name, "TypeScript Shanghai");
assert.equal(account.currency, "CNY");
const accountPath = { path: { id: account.id } };

const key = ok(
  "create API key",
  201,
  await admin.POST("/v1/accounts/{id}/api-keys", { params: accountPath, body: { name: "typescript" } }),
);
assert.ok(key.key.startsWith(key.prefix), `the key has its prefix ${key.prefix}`);
const customer = client(key.key);

const quote = ok(
  "quote",
  200,
  await customer.POST("/v1/accounts/{id}/quotes", {
    params: accountPath,
    body: { type: "purchase", product: "dr", cycle: "year", quantity: 3 },
  }),
);
assert.equal(quote.total, "5970.00");

let order = ok(
  "order",
  201,
  await customer.POST("/v1/accounts/{id}/orders", {
    params: { ...accountPath, header: { "Idempotency-Key": "typescript-client-1" } },
    body: {
      type: "purchase",
      product: "dr",
      cycle: "year",
      quantity: 3,
      auto_renew: true,
      payment_method: "alipay",
    },
  }),
);
assert.equal(order.status, "pending_payment");
assert.equal(order.total, "5970.00");
assert.ok(order.checkout, "a purchase has a checkout");

// Pay on the sandbox's hosted page as a browser would: the page for its CSRF token, then the
// succeeding outcome posted with it. The page is HTML, not part of the API: plain fetch.
const checkout = order.checkout.url;
const page = await fetch(checkout);
assert.equal(page.status, 200, "the checkout page");
const html = await page.text();
assert.ok(html.includes("Subscribe"), html);
const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
assert.ok(csrf, "the page's csrf token");
const paid = await fetch(`${checkout}/pay`, {
  method: "POST",
  body: new URLSearchParams({ outcome: "succeed", csrf }),
  redirect: "manual",
});
assert.equal(paid.status, 303, "paying redirects");

const orderPath = { path: { id: order.id } };
order = ok("get order", 200, await customer.GET("/v1/orders/{id}", { params: orderPath }));
assert.equal(order.status, "paid");

const licenses = ok(
  "list licenses",
  200,
  await customer.GET("/v1/accounts/{id}/licenses", { params: accountPath }),
);
const products = licenses.items.map((license) => license.product).sort();
assert.deepEqual(products, ["dr", "dr", "dr", "failback", "failback", "failback"]);
assert.ok(licenses.items.every((license) => license.status === "active"));

// An invoice: requested for the paid order, issued by the batch (run now by the admin rather
// than waiting for the week), then read as a PDF.
const requested = ok(
  "request invoice",
  201,
  await customer.POST("/v1/orders/{id}/invoice", {
    params: orderPath,
    body: { type: "vat_ordinary", title: "张三" },
  }),
);
assert.equal(requested.status, "requested");
assert.equal(requested.order_id, order.id);
const batch = ok(
  "run the invoice batch",
  200,
  await admin.POST("/v1/admin/jobs/{job}/run", { params: { path: { job: "invoices" } } }),
);
assert.equal(batch.processed, 1, JSON.stringify(batch));
const invoicePath = { path: { id: requested.id } };
const issued = ok("get invoice", 200, await customer.GET("/v1/invoices/{id}", { params: invoicePath }));
assert.equal(issued.status, "issued");
assert.ok(issued.number, "an issued invoice has its number");
const pdf = ok(
  "invoice PDF",
  200,
  await customer.GET("/v1/invoices/{id}/pdf", { params: invoicePath, parseAs: "arrayBuffer" }),
);
assert.equal(Buffer.from(pdf).subarray(0, 4).toString("latin1"), "%PDF");

// A paid order is not refunded by cancelling it: the problem's code says so.
const refused = await customer.POST("/v1/orders/{id}/cancel", { params: orderPath });
assert.equal(refused.response.status, 409);
assert.equal(refused.error?.code, "order_non_refundable", JSON.stringify(refused.error));

console.log("typescript client: purchase ok");
