// A whole purchase through the Go client that openapi-generator generated from
// openapi/openapi.json (module entitle.example/e2e/client, replaced by go.mod with the
// generated directory beside this file).
//
// Run by tests/e2e/go_client.rs with ENTITLE_URL and ENTITLE_ADMIN_KEY set. The generated
// models decode strictly (every required property present, no property the spec does not
// declare), so each answer decoded here checks the server against the spec; a decode error
// is a failure, never skipped. Every step checks something; any failure exits non-zero.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"

	entitle "entitle.example/e2e/client"
)

// fail stops the program with what went wrong, non-zero.
func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go client: "+format+"\n", args...)
	os.Exit(1)
}

// check fails unless a call succeeded with `status`; err includes decode errors.
func check(what string, status int, res *http.Response, err error) {
	if err != nil {
		var apiErr *entitle.GenericOpenAPIError
		if errors.As(err, &apiErr) {
			fail("%s: %v: %s", what, err, apiErr.Body())
		}
		fail("%s: %v", what, err)
	}
	if res.StatusCode != status {
		fail("%s: HTTP %d, not %d", what, res.StatusCode, status)
	}
}

func expect(ok bool, format string, args ...any) {
	if !ok {
		fail(format, args...)
	}
}

// client sends `key` as the bearer token of the spec's `ApiKey` scheme to ENTITLE_URL.
func client(base, key string) (*entitle.APIClient, context.Context) {
	config := entitle.NewConfiguration()
	config.Servers = entitle.ServerConfigurations{{URL: base}}
	ctx := context.WithValue(context.Background(), entitle.ContextAccessToken, key)
	return entitle.NewAPIClient(config), ctx
}

// payOnSandboxPage pays as a customer's browser would: the hosted page for its CSRF token,
// then the succeeding outcome posted with it. The page is HTML, outside the API's spec.
func payOnSandboxPage(checkout string) {
	page, err := http.Get(checkout)
	if err != nil {
		fail("checkout page: %v", err)
	}
	html, err := io.ReadAll(page.Body)
	page.Body.Close()
	expect(err == nil && page.StatusCode == 200, "checkout page: HTTP %d %v", page.StatusCode, err)
	expect(strings.Contains(string(html), "Subscribe"), "checkout page: %s", html)
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(html)
	expect(token != nil, "checkout page: no csrf token")
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	form := url.Values{"outcome": {"succeed"}, "csrf": {string(token[1])}}
	paid, err := browser.PostForm(checkout+"/pay", form)
	if err != nil {
		fail("pay: %v", err)
	}
	paid.Body.Close()
	expect(paid.StatusCode == http.StatusSeeOther, "pay: HTTP %d, not 303", paid.StatusCode)
}

func main() {
	base, adminKey := os.Getenv("ENTITLE_URL"), os.Getenv("ENTITLE_ADMIN_KEY")
	expect(base != "" && adminKey != "", "ENTITLE_URL and ENTITLE_ADMIN_KEY are set")
	admin, asAdmin := client(base, adminKey)

	account, res, err := admin.AccountsAPI.CreateAccount(asAdmin).
		AccountInput(*entitle.NewAccountInput("Go Shanghai", entitle.ACCOUNTKIND_INDIVIDUAL, entitle.REGION_CN)).
		Execute()
	check("create account", 201, res, err)
	expect(account.Name == "Go Shanghai" && account.Currency == entitle.CURRENCY_CNY,
		"account %s in %s", account.Name, account.Currency)

	key, res, err := admin.AccountsAPI.CreateApiKey(asAdmin, account.Id).
		ApiKeyInput(*entitle.NewApiKeyInput("go")).Execute()
	check("create API key", 201, res, err)
	expect(strings.HasPrefix(key.Key, key.Prefix), "the key has its prefix %s", key.Prefix)
	customer, ctx := client(base, key.Key)

	priced := entitle.NewQuoteRequestPurchaseRequest("dr", 3, "purchase")
	priced.SetCycle(entitle.CYCLE_YEAR)
	quote, res, err := customer.QuotesAPI.CreateQuote(ctx, account.Id).
		QuoteRequest(entitle.QuoteRequest{QuoteRequestPurchaseRequest: priced}).Execute()
	check("quote", 200, res, err)
	expect(quote.Total == "5970.00", "quote total %v", quote.Total)

	bought := entitle.NewOrderRequestPurchaseOrder("dr", 3, entitle.PAYMENTMETHOD_ALIPAY, "purchase")
	bought.SetCycle(entitle.CYCLE_YEAR)
	bought.SetAutoRenew(true)
	order, res, err := customer.OrdersAPI.CreateOrder(ctx, account.Id).
		IdempotencyKey("go-client-1").
		OrderRequest(entitle.OrderRequest{OrderRequestPurchaseOrder: bought}).Execute()
	check("order", 201, res, err)
	expect(order.Status == entitle.ORDERSTATUS_PENDING_PAYMENT, "order status %s", order.Status)
	expect(order.Total == "5970.00", "order total %v", order.Total)
	expect(order.Checkout != nil, "a purchase has a checkout")

	payOnSandboxPage(order.Checkout.Url)

	order, res, err = customer.OrdersAPI.GetOrder(ctx, order.Id).Execute()
	check("get order", 200, res, err)
	expect(order.Status == entitle.ORDERSTATUS_PAID, "order status %s after paying", order.Status)

	licenses, res, err := customer.LicensesAPI.ListLicenses(ctx, account.Id).Execute()
	check("list licenses", 200, res, err)
	var products []string
	for _, license := range licenses.Items {
		expect(license.Status == entitle.LICENSESTATUS_ACTIVE, "license %s is %s", license.Id, license.Status)
		products = append(products, license.Product)
	}
	sort.Strings(products)
	got := strings.Join(products, ",")
	expect(got == "dr,dr,dr,failback,failback,failback", "licenses %s", got)

	// A paid order is not refunded by cancelling it: 409, the problem decoded with its code.
	_, res, err = customer.OrdersAPI.CancelOrder(ctx, order.Id).Execute()
	var refused *entitle.GenericOpenAPIError
	expect(errors.As(err, &refused), "cancelling a paid order is refused, not %v", err)
	problem, decoded := refused.Model().(entitle.Problem)
	expect(decoded, "the refusal decodes as a Problem: %v: %s", err, refused.Body())
	expect(res.StatusCode == 409 && problem.Code == "order_non_refundable",
		"refusal: HTTP %d, code %s", res.StatusCode, problem.Code)

	fmt.Println("go client: purchase ok")
}
