//! No open redirect, no stray doors (issue 17): `return_url` stays on an allowed origin,
//! `/metrics` is not public, and the sandbox page's cancel changes state only by its form.

use entitle_domain::api::ProblemCode;
use entitle_domain::api::{Order, OrderRequest, Problem};
use entitle_domain::orders::OrderStatus;
use entitle_domain::{AccountKind, PaymentMethod, Region};

use crate::accounts::{account_with_key, key_named};
use crate::harness::{ADMIN_KEY, Backend, run_with};
use crate::on_both_databases;
use crate::purchase::{order, purchase};

fn returning_to(url: &str) -> OrderRequest {
    let mut request = purchase("failback", None, 1, PaymentMethod::Alipay);
    if let OrderRequest::Purchase(p) = &mut request {
        p.payment.return_url = Some(url.to_owned());
    }
    request
}

async fn refused_code(client: &entitle_client::Client, account: uuid::Uuid, url: &str) -> String {
    let refused = client
        .create_order(
            account,
            &uuid::Uuid::new_v4().to_string(),
            &returning_to(url),
        )
        .await
        .expect_err("refused");
    let entitle_client::ClientError::Api { status, problem } = refused else {
        panic!("a problem report: {refused:?}")
    };
    assert_eq!(status, 422, "{problem:?}");
    problem.code.to_string()
}

async fn metrics_status(http: &reqwest::Client, url: &str, key: Option<&str>) -> u16 {
    let mut request = http.get(url);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.expect("metrics").status().as_u16()
}

/// A fresh key of `account`, as the secret.
async fn account_key(app: &crate::harness::TestApp, account: uuid::Uuid) -> String {
    app.admin
        .create_api_key(account, &key_named("another"))
        .await
        .expect("create key")
        .key
}

async fn order_status(app: &crate::harness::TestApp, placed: &Order) -> OrderStatus {
    app.admin.get_order(placed.id).await.expect("order").status
}

on_both_databases! {
    async fn a_return_url_off_the_allowed_origins_is_refused_with_422(app) {
        let (account, client) = account_with_key(&app, "Returning", AccountKind::Individual, Region::Cn).await;
        for url in [
            "https://evil.example/thanks",
            "https://evil.example\\@127.0.0.1/",
            "javascript:alert(1)",
            "/relative",
        ] {
            assert_eq!(refused_code(&client, account.id, url).await, "return_url_not_allowed", "{url}");
        }
        let orders = client.list_orders(account.id, None, None, None).await.expect("orders");
        assert!(orders.items.is_empty(), "no order was made for a refused return_url");

        // The default: the public URL's origin (http to loopback is allowed).
        let placed = order(&client, account.id, &returning_to(&app.url("/thanks"))).await;
        assert_eq!(placed.status, OrderStatus::PendingPayment);

        let shop = app
            .another_instance_with(|config| {
                config.allowed_return_origins = vec!["https://shop.example".parse().expect("origin")];
            })
            .await;
        let shop_client = shop.admin.with_key(&account_key(&app, account.id).await);
        order(&shop_client, account.id, &returning_to("https://shop.example/thanks")).await;
        assert_eq!(
            refused_code(&shop_client, account.id, &app.url("/thanks")).await,
            "return_url_not_allowed"
        );
        assert_eq!(
            refused_code(&shop_client, account.id, "http://shop.example/thanks").await,
            "return_url_not_allowed",
            "plain http off loopback"
        );
    }

    async fn metrics_answer_an_admin_key_only(app) {
        let (account, _) = account_with_key(&app, "Curious", AccountKind::Individual, Region::Cn).await;
        let account_key = account_key(&app, account.id).await;
        let url = app.url("/metrics");
        let anonymous = app.http.get(&url).send().await.expect("metrics");
        assert_eq!(anonymous.status(), 401);
        let problem: Problem = anonymous.json().await.expect("problem");
        assert_eq!(problem.code, ProblemCode::Unauthorized);
        assert_eq!(metrics_status(&app.http, &url, Some("ent_not_a_key")).await, 401);
        assert_eq!(metrics_status(&app.http, &url, Some(&account_key)).await, 403);
        assert_eq!(metrics_status(&app.http, &url, Some(ADMIN_KEY)).await, 200);
    }

    async fn the_sandbox_cancel_changes_state_only_by_its_form(app) {
        let (account, client) = account_with_key(&app, "Leaving", AccountKind::Individual, Region::Cn).await;
        let placed = order(&client, account.id, &purchase("failback", None, 1, PaymentMethod::Alipay)).await;
        let checkout = placed.checkout.clone().expect("checkout").url;
        let cancel = format!("{checkout}/cancel");

        let asked = app.http.get(&cancel).send().await.expect("GET cancel");
        assert_eq!(asked.status(), 200);
        let form = asked.text().await.expect("page");
        assert!(form.contains("method=\"post\""), "{form}");
        assert_eq!(order_status(&app, &placed).await, OrderStatus::PendingPayment, "a GET changes nothing");

        let page = app.http.get(&checkout).send().await.expect("page").text().await.expect("html");
        let path = checkout.trim_start_matches(&app.base_url);
        assert!(!page.contains(&format!("href=\"{path}/cancel")), "no cancel link, a form: {page}");
        let csrf = entitle_client::sandbox_csrf(&page).expect("the page carries a token");

        let forged = app.http.post(&cancel).send().await.expect("POST without a form");
        assert_eq!(forged.status(), 403);
        let wrong = app.http.post(&cancel).form(&[("csrf", "0000")]).send().await.expect("POST");
        assert_eq!(wrong.status(), 403);
        assert_eq!(order_status(&app, &placed).await, OrderStatus::PendingPayment);

        let posted = app.http.post(&cancel).form(&[("csrf", csrf.as_str())]).send().await.expect("POST");
        assert_eq!(posted.status(), 303);
        assert_eq!(order_status(&app, &placed).await, OrderStatus::Canceled);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_on_their_own_address_need_no_key() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let configured = listen.clone();
    run_with(
        Backend::Sqlite,
        move |config| config.metrics_listen = Some(configured),
        |app| async move {
            let own = format!("http://{listen}/metrics");
            let mut answered = 0;
            for _ in 0..50 {
                match app.http.get(&own).send().await {
                    Ok(answer) => {
                        answered = answer.status().as_u16();
                        let text = answer.text().await.expect("text");
                        assert!(text.contains("entitle_payments_fulfilled_total"), "{text}");
                        break;
                    }
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
                }
            }
            assert_eq!(answered, 200);
            assert_eq!(
                metrics_status(&app.http, &app.url("/metrics"), None).await,
                401,
                "the API's address still guards them"
            );
            assert_eq!(
                metrics_status(
                    &app.http,
                    &format!("http://{listen}/v1/me"),
                    Some(ADMIN_KEY)
                )
                .await,
                404,
                "only metrics there"
            );
        },
    )
    .await;
}
