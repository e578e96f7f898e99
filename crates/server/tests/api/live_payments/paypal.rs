//! PayPal Orders v2 through its fake, in live mode (issue 20): an Enterprise subscription paid
//! by capturing on the buyer's return; a buyer who closes the window after approving, fulfilled
//! by the approval webhook's capture; a pending capture completed later by its webhook;
//! forged, tampered, replayed webhooks and a certificate outside the allowed prefixes (never
//! fetched); the OAuth token and the certificate fetched once; the postback way of verifying.

use entitle_domain::api::Order;
use entitle_domain::orders::OrderStatus;
use entitle_domain::{AccountKind, PaymentMethod, Region};
use entitle_server::payments::paypal::PaypalVerify;

use super::stripe::enterprise;
use super::{dr, events_of, licenses, status_of, verified};
use crate::accounts::account_with_key;
use crate::fakes::Fakes;
use crate::fakes::paypal::{self as fake, CaptureOutcome, PaypalForgery};
use crate::harness::TestApp;
use crate::on_both_databases_with;
use crate::purchase::order;

/// The PayPal order the fake opened for `placed`.
pub fn paypal_order(fakes: &Fakes, placed: &Order) -> fake::Order {
    fakes
        .paypal()
        .orders()
        .into_iter()
        .rev()
        .find(|o| o.custom_id == placed.id.to_string())
        .expect("the fake opened an order for ours")
}

fn callback(app: &TestApp) -> String {
    app.url("/v1/payments/paypal/callback")
}

/// The buyer approves on PayPal and the browser comes back to Entitle; the page it lands on.
async fn approve_and_return(app: &TestApp, fakes: &Fakes, id: &str) -> String {
    let back = fakes.paypal().approve(id);
    assert!(
        back.starts_with(&app.url("/v1/payments/paypal/return?checkout=")),
        "{back}"
    );
    assert!(
        back.contains(&format!("token={id}")),
        "PayPal names its order: {back}"
    );
    let page = app.http.get(&back).send().await.expect("return");
    assert!(page.status().is_success(), "{}", page.status());
    page.text().await.expect("page")
}

on_both_databases_with! {
    setup = Fakes::live_intl();

    async fn an_enterprise_subscription_is_paid_by_capturing_on_the_return(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "PayPal buyer", AccountKind::Enterprise, Region::Intl).await;
        let placed = order(&client, account.id, &enterprise(3, PaymentMethod::Paypal)).await;
        let create = verified(&fakes.paypal().seen(), "orders.create");
        assert_eq!(create.method, "POST");
        let opened = paypal_order(&fakes, &placed);
        assert_eq!(opened.value, placed.total.to_string(), "the amount as a decimal string");
        assert!(!opened.vault, "vaulting is off by default");
        assert_eq!(opened.request_id, format!("checkout-{}", opened.reference_id), "PayPal-Request-Id: one order per checkout");
        let checkout = placed.checkout.clone().expect("a checkout");
        assert_eq!(checkout.provider, "paypal");
        assert_eq!(checkout.url, format!("{}/checkoutnow?token={}", fakes.paypal().base_url(), opened.id));

        let page = approve_and_return(&app, &fakes, &opened.id).await;
        assert!(page.contains("Payment complete"), "{page}");
        verified(&fakes.paypal().seen(), "orders.capture");
        let captured = fakes.paypal().order(&opened.id).expect("order").capture.expect("captured");
        assert_eq!(captured.request_id, Some(format!("capture-{}", opened.id)), "a capture retried is the same capture");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Paid);
        assert_eq!(licenses(&client, account.id).await.iter().filter(|l| l.product == "enterprise").count(), 3);

        // The capture's webhook arrives too, twice: nothing twice.
        let completed = fakes.paypal().event_delivery("PAYMENT.CAPTURE.COMPLETED", &opened.id, &callback(&app), &PaypalForgery::Honest);
        assert_eq!(completed.send().await.0, 200);
        assert_eq!(completed.send().await.0, 200);
        assert_eq!(events_of(&app, "order.paid").await.len(), 1);
        assert_eq!(fakes.paypal().tokens_issued(), 1, "one OAuth token for every call");
        assert_eq!(fakes.paypal().cert_fetches(&fakes.paypal().cert_url()), 1, "the certificate fetched once");

        // A token PayPal stops honouring early is replaced, and the call goes through.
        fakes.paypal().revoke_tokens();
        let again = order(&client, account.id, &dr(1, PaymentMethod::Paypal, false)).await;
        assert!(again.checkout.is_some(), "ordered with a fresh token");
        assert_eq!(fakes.paypal().tokens_issued(), 2);
        // A short-lived one is renewed before it lapses.
        fakes.paypal().set_token_lifetime(2);
        fakes.paypal().revoke_tokens();
        order(&client, account.id, &dr(1, PaymentMethod::Paypal, false)).await;
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        order(&client, account.id, &dr(1, PaymentMethod::Paypal, false)).await;
        assert_eq!(fakes.paypal().tokens_issued(), 4, "renewed at half its two-second life");
    }

    async fn a_buyer_who_closes_the_window_is_fulfilled_by_the_approval_webhook(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Window closer", AccountKind::Individual, Region::Intl).await;
        let placed = order(&client, account.id, &dr(2, PaymentMethod::Paypal, false)).await;
        let opened = paypal_order(&fakes, &placed);
        fakes.paypal().approve(&opened.id);
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::PendingPayment, "approved is not paid");
        let answer = fakes.paypal().deliver("CHECKOUT.ORDER.APPROVED", &opened.id, &callback(&app), PaypalForgery::Honest).await;
        assert_eq!(answer.0, 200, "{answer:?}");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Paid, "Entitle captured it");
        assert_eq!(fakes.paypal().order(&opened.id).expect("order").status, fake::OrderStatus::Completed);
        let again = fakes.paypal().deliver("CHECKOUT.ORDER.APPROVED", &opened.id, &callback(&app), PaypalForgery::Honest).await;
        assert_eq!(again.0, 200, "a repeat captures nothing more: {again:?}");
        assert_eq!(licenses(&client, account.id).await.iter().filter(|l| l.product == "dr").count(), 2);
    }

    async fn a_pending_capture_waits_for_its_completed_webhook(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Pending", AccountKind::Individual, Region::Intl).await;
        let placed = order(&client, account.id, &dr(1, PaymentMethod::Paypal, false)).await;
        let opened = paypal_order(&fakes, &placed);
        fakes.paypal().set_capture(CaptureOutcome::Pending);
        let page = approve_and_return(&app, &fakes, &opened.id).await;
        assert!(!page.contains("Payment complete"), "{page}");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::PendingPayment, "a pending capture is not paid");
        let pending = fakes.paypal().deliver("PAYMENT.CAPTURE.PENDING", &opened.id, &callback(&app), PaypalForgery::Honest).await;
        assert_eq!(pending.0, 200);
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::PendingPayment);

        fakes.paypal().complete_pending(&opened.id);
        let answer = fakes.paypal().deliver("PAYMENT.CAPTURE.COMPLETED", &opened.id, &callback(&app), PaypalForgery::Honest).await;
        assert_eq!(answer.0, 200, "{answer:?}");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Paid);
    }

    async fn forged_paypal_webhooks_change_nothing_and_a_foreign_certificate_is_not_fetched(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Forged PayPal", AccountKind::Individual, Region::Intl).await;
        let placed = order(&client, account.id, &dr(1, PaymentMethod::Paypal, false)).await;
        let opened = paypal_order(&fakes, &placed);
        fakes.paypal().approve(&opened.id);
        for forgery in [
            PaypalForgery::BadSignature,
            PaypalForgery::WrongKey,
            PaypalForgery::TamperedAmount,
            PaypalForgery::OtherWebhookId,
            PaypalForgery::ForeignCertUrl,
        ] {
            let answer = fakes.paypal().deliver("CHECKOUT.ORDER.APPROVED", &opened.id, &callback(&app), forgery).await;
            assert_eq!(answer.0, 400, "{forgery:?}: {answer:?}");
            assert!(answer.1.contains("invalid_signature"), "{forgery:?}: {answer:?}");
            assert_eq!(status_of(&client, placed.id).await, OrderStatus::PendingPayment, "{forgery:?} changed nothing");
        }
        assert!(
            !fakes.paypal().all_fetches().iter().any(|path| path.starts_with("/elsewhere")),
            "a certificate outside the allowed prefixes is never fetched: {:?}",
            fakes.paypal().all_fetches()
        );
        assert!(fakes.paypal().order(&opened.id).expect("order").capture.is_none(), "no forgery made Entitle capture");
        let unsigned = app.http.post(callback(&app)).body("{}").send().await.expect("unsigned");
        assert_eq!(unsigned.status(), 400);
        assert!(licenses(&client, account.id).await.is_empty());

        // Canceled after the buyer approved: PayPal's honest approval no longer captures.
        client.cancel_order(placed.id).await.expect("cancel");
        let late = fakes.paypal().deliver("CHECKOUT.ORDER.APPROVED", &opened.id, &callback(&app), PaypalForgery::Honest).await;
        assert_eq!(late.0, 200, "acknowledged: {late:?}");
        assert!(fakes.paypal().order(&opened.id).expect("order").capture.is_none(), "a canceled order is never captured");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Canceled);
    }
}

on_both_databases_with! {
    setup = Fakes::live_paypal(PaypalVerify::Postback);

    async fn webhooks_verified_by_postback_ask_paypal(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Postback", AccountKind::Individual, Region::Intl).await;
        let placed = order(&client, account.id, &dr(1, PaymentMethod::Paypal, false)).await;
        let opened = paypal_order(&fakes, &placed);
        fakes.paypal().approve(&opened.id);
        let forged = fakes.paypal().deliver("CHECKOUT.ORDER.APPROVED", &opened.id, &callback(&app), PaypalForgery::TamperedAmount).await;
        assert_eq!(forged.0, 400, "PayPal says FAILURE: {forged:?}");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::PendingPayment);
        let answer = fakes.paypal().deliver("CHECKOUT.ORDER.APPROVED", &opened.id, &callback(&app), PaypalForgery::Honest).await;
        assert_eq!(answer.0, 200, "{answer:?}");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Paid);
        assert_eq!(fakes.paypal().postbacks(), 2, "each webhook was put to PayPal");
        let verdicts = fakes.paypal().verifications();
        assert!(verdicts[0].1.is_err() && verdicts[1].1.is_ok(), "{verdicts:?}");
        assert!(fakes.paypal().all_fetches().iter().all(|path| !path.starts_with("/certs")), "no certificate needed");
    }
}

on_both_databases_with! {
    setup = Fakes::test_mode_paypal_vault();

    async fn a_pending_capture_whose_webhook_is_lost_is_found_by_reconciliation(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Lost pending", AccountKind::Individual, Region::Intl).await;
        let placed = order(&client, account.id, &dr(1, PaymentMethod::Paypal, false)).await;
        let opened = paypal_order(&fakes, &placed);
        fakes.paypal().set_capture(CaptureOutcome::Pending);
        approve_and_return(&app, &fakes, &opened.id).await;
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::PendingPayment);
        // Long past the checkout's end, the pending capture keeps its checkout asked about.
        let later = entitle_domain::Clock::now(&app.clock) + chrono::Duration::hours(3);
        crate::harness::move_to(&app, later).await;
        app.admin.run_job("reconcile").await.expect("reconcile");
        assert_ne!(status_of(&client, placed.id).await, OrderStatus::Paid, "still pending at PayPal");
        fakes.paypal().complete_pending(&opened.id);
        app.admin.run_job("reconcile").await.expect("reconcile");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Paid, "found without its webhook");
    }

    async fn with_vaulting_on_a_paypal_subscription_renews_by_itself(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Vaulted", AccountKind::Individual, Region::Intl).await;
        let placed = order(&client, account.id, &dr(1, PaymentMethod::Paypal, true)).await;
        let opened = paypal_order(&fakes, &placed);
        assert!(opened.vault, "an auto-renewing subscription asks PayPal to vault");
        approve_and_return(&app, &fakes, &opened.id).await;
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Paid);
        let vault_id = fakes.paypal().order(&opened.id).expect("order").vault_id.expect("vaulted");
        assert_eq!(crate::live_payments::stripe::saved_card(&app, account.id).await, Some(vault_id.clone()), "the vault id is kept");

        let sub = crate::lifecycle::dr_subscription(&client, account.id).await;
        crate::harness::move_to(&app, sub.current_period_end).await;
        app.admin.run_job("renewals").await.expect("renewals");
        let renewed = crate::lifecycle::dr_subscription(&client, account.id).await;
        assert_eq!(renewed.current_period_start, sub.current_period_end, "charged to the vault");
        let renewal = fakes.paypal().orders().into_iter().find(|o| o.renewal).expect("a vaulted order");
        assert_eq!(renewal.body["payment_source"]["paypal"]["vault_id"], serde_json::json!(vault_id));
        assert_eq!(renewal.value, placed.total.to_string());

        fakes.paypal().set_vaulted(fake::VaultedCharge::Decline);
        crate::harness::move_to(&app, renewed.current_period_end).await;
        app.admin.run_job("renewals").await.expect("renewals");
        assert_eq!(
            crate::lifecycle::dr_subscription(&client, account.id).await.status,
            entitle_domain::subscription::SubscriptionStatus::PastDue,
            "a declined vault charge follows the retry schedule"
        );
        assert_eq!(fakes.paypal().declined().len(), 1);
    }
}
