//! Live mode: a provider that cannot be reached or believed leaves no order; the sandbox's
//! routes and the movable clock are absent; only methods a provider takes are offered; and
//! with no provider at all the server refuses to start.

use entitle_client::ClientError;
use entitle_domain::api::ProblemCode;
use entitle_domain::api::{PurchaseRequest, QuoteRequest};
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};
use entitle_server::{AppState, Config, StartError};
use uuid::Uuid;

use super::dr;
use crate::accounts::account_with_key;
use crate::fakes::{Answer, Fakes};
use crate::harness::{ADMIN_KEY, SANDBOX_SECRET};
use crate::on_both_databases_with;

fn refused(result: Result<entitle_domain::api::Order, ClientError>) -> (u16, String) {
    let err = result.expect_err("the order is refused");
    (
        err.status().expect("an answer").as_u16(),
        err.code().map(|c| c.to_string()).unwrap_or_default(),
    )
}

on_both_databases_with! {
    setup = Fakes::live();

    async fn a_wechat_pay_that_lies_or_is_down_leaves_no_order(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Unlucky", AccountKind::Individual, Region::Cn).await;
        let request = dr(1, PaymentMethod::WechatPay, false);

        fakes.wechat().answer_with(Answer::WrongKey);
        let lied = client.create_order(account.id, &Uuid::new_v4().to_string(), &request).await;
        assert_eq!(refused(lied), (502, "provider_unavailable".to_owned()), "a code_url signed by another key");
        crate::live_payments::verified(&fakes.wechat().seen(), "native");

        fakes.wechat().stop().await;
        let down = client.create_order(account.id, &Uuid::new_v4().to_string(), &request).await;
        assert_eq!(refused(down), (502, "provider_unavailable".to_owned()), "WeChat Pay unreachable");

        let orders = client.list_orders(account.id, None, None, None).await.expect("orders");
        assert!(orders.items.is_empty(), "nothing payable was stored: {:?}", orders.items);
        // Alipay's checkout is a URL signed locally: it does not depend on WeChat Pay.
        let by_alipay = client
            .create_order(account.id, &Uuid::new_v4().to_string(), &dr(1, PaymentMethod::Alipay, false))
            .await
            .expect("Alipay still sells");
        assert_eq!(by_alipay.checkout.expect("checkout").provider, "alipay");
    }

    async fn live_mode_has_no_sandbox_routes_and_no_movable_clock(app, _fakes: Fakes) {
        assert!(app.payments.is_none());
        let page = app
            .http
            .get(app.url(&format!("/sandbox/checkout/{}", Uuid::now_v7())))
            .send()
            .await
            .expect("sandbox page");
        assert_eq!(page.status(), 404);
        let callback = app
            .http
            .post(app.url("/v1/payments/sandbox/callback"))
            .body("{}")
            .send()
            .await
            .expect("sandbox callback");
        assert_eq!(callback.status(), 404, "no sandbox provider to call back");

        match app.admin.advance_clock("P30D").await {
            Err(ClientError::Api { status, problem }) => {
                assert_eq!(status.as_u16(), 404);
                assert_eq!(problem.code, ProblemCode::NotFound);
                assert!(problem.detail.contains("--sandbox"), "{}", problem.detail);
            }
            other => panic!("the clock moved in live mode: {other:?}"),
        }
    }
}

on_both_databases_with! {
    setup = Fakes::live_alipay_only();

    async fn with_alipay_alone_only_alipay_is_offered(app, _fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Shanghai", AccountKind::Individual, Region::Cn).await;
        let quote = client
            .quote(
                account.id,
                &QuoteRequest::Purchase(PurchaseRequest {
                    product: "dr".to_owned(),
                    cycle: Some(Cycle::Month),
                    quantity: 1,
                    periods: 1,
                }),
            )
            .await
            .expect("quote");
        assert_eq!(quote.payment_methods, vec![PaymentMethod::Alipay]);
        let wechat = client
            .create_order(account.id, &Uuid::new_v4().to_string(), &dr(1, PaymentMethod::WechatPay, false))
            .await;
        assert_eq!(refused(wechat), (422, "payment_method_unavailable".to_owned()));
        let orders = client.list_orders(account.id, None, None, None).await.expect("orders");
        assert!(orders.items.is_empty());
    }
}

#[tokio::test]
async fn live_mode_with_no_provider_refuses_to_start() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}/entitle.db?mode=rwc", dir.path().display());
    let mut config = Config::new(&url, "http://127.0.0.1:1", SANDBOX_SECRET);
    config.bootstrap_admin_key = Some(ADMIN_KEY.to_owned());
    config.sandbox = false;
    match AppState::new(config.clone(), Default::default()).await {
        Err(err @ StartError::NoProvider) => {
            let message = err.to_string();
            assert!(message.contains("--sandbox"), "{message}");
            assert!(message.contains("ENTITLE_ALIPAY_APP_ID"), "{message}");
        }
        other => panic!(
            "a live server with no provider started: {:?}",
            other.map(|_| ())
        ),
    }
    // The same settings in test mode start, with the sandbox.
    config.sandbox = true;
    let state = AppState::new(config, Default::default())
        .await
        .expect("test mode starts");
    assert!(state.payments.sandbox().is_some());
}
