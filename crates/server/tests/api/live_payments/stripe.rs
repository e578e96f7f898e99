//! Stripe Checkout through its fake, in live mode (issue 20): an Enterprise subscription sold
//! to an `intl` account and paid by the signed `checkout.session.completed` event, which saves
//! the card; the same event again, and forged, tampered, stale ones; a lost event found by
//! reconciliation; the browser's return.

use entitle_domain::api::{Order, ProblemCode, PurchaseRequest, QuoteRequest};
use entitle_domain::orders::OrderStatus;
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};
use entitle_server::store::entity::subscription;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{dr, events_of, licenses, status_of, verified};
use crate::accounts::account_with_key;
use crate::fakes::Fakes;
use crate::fakes::stripe::{Session, StripeForgery};
use crate::harness::TestApp;
use crate::on_both_databases_with;
use crate::purchase::{order, purchase};

/// An Enterprise subscription of `seats`, yearly, renewing by itself, paid with `method`.
pub fn enterprise(seats: u32, method: PaymentMethod) -> entitle_domain::api::OrderRequest {
    let mut request = purchase("enterprise", Some(Cycle::Year), seats, method);
    if let entitle_domain::api::OrderRequest::Purchase(p) = &mut request {
        p.auto_renew = Some(true);
    }
    request
}

/// The Checkout Session the fake opened for `placed`.
pub fn session_of_order(fakes: &Fakes, placed: &Order) -> Session {
    fakes
        .stripe()
        .sessions()
        .into_iter()
        .rev()
        .find(|s| s.metadata.get("order_id") == Some(&placed.id.to_string()))
        .expect("the fake opened a session for the order")
}

pub fn callback(app: &TestApp) -> String {
    app.url("/v1/payments/stripe/callback")
}

/// The saved card reference of the account's subscription, as stored.
pub async fn saved_card(app: &TestApp, account: Uuid) -> Option<String> {
    subscription::Entity::find()
        .filter(subscription::Column::AccountId.eq(account))
        .one(&app.db)
        .await
        .expect("read the subscription")
        .expect("a subscription")
        .payment_token
}

fn code_of(answer: &(u16, String)) -> String {
    serde_json::from_str::<serde_json::Value>(&answer.1)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

on_both_databases_with! {
    setup = Fakes::live_intl();

    async fn an_enterprise_subscription_is_sold_through_stripe_checkout(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Stripe buyer", AccountKind::Enterprise, Region::Intl).await;
        let request = QuoteRequest::Purchase(PurchaseRequest {
            product: "enterprise".to_owned(),
            cycle: Some(Cycle::Year),
            quantity: 5,
            periods: 1,
        });
        let quote = client.quote(account.id, &request).await.expect("quote");
        assert_eq!(quote.payment_methods, vec![PaymentMethod::Paypal, PaymentMethod::Card], "intl pays with PayPal or card here");

        let placed = order(&client, account.id, &enterprise(5, PaymentMethod::Card)).await;
        assert_eq!(placed.status, OrderStatus::PendingPayment);
        let create = verified(&fakes.stripe().seen(), "checkout.sessions.create");
        assert_eq!(create.method, "POST");
        let session = session_of_order(&fakes, &placed);
        let checkout = placed.checkout.clone().expect("a checkout");
        assert_eq!(checkout.provider, "stripe");
        assert_eq!(checkout.url, session.url, "the buyer is sent to Stripe's page");
        let cents = rust_decimal::prelude::ToPrimitive::to_i64(&(placed.total.value() * rust_decimal::Decimal::from(100))).expect("cents");
        assert_eq!(session.amount_total, cents, "the total in cents");
        assert_eq!(session.line_items.len(), 1);
        assert!(session.form.contains(&("mode".to_owned(), "payment".to_owned())), "{:?}", session.form);
        assert!(session.form.contains(&("payment_method_types[0]".to_owned(), "card".to_owned())), "cards only");
        assert!(session.saves, "an auto-renewing subscription saves the card");
        assert_eq!(session.customer_creation.as_deref(), Some("always"));
        let our_session = Uuid::parse_str(&session.client_reference_id).expect("our checkout session");
        assert_eq!(session.success_url, app.url(&format!("/v1/payments/stripe/return?checkout={our_session}")));

        let paid = fakes.stripe().pay(&session.id);
        let event = fakes.stripe().event_delivery(&session.id, &callback(&app), &StripeForgery::Honest);
        assert_eq!(event.send().await.0, 200);
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Paid);
        let seats = licenses(&client, account.id).await;
        assert_eq!(seats.iter().filter(|l| l.product == "enterprise").count(), 5, "five seats");
        let intent = fakes.stripe().payment_intent(paid.payment_intent.as_deref().expect("paid")).expect("its intent");
        assert_eq!(
            saved_card(&app, account.id).await,
            Some(format!("{}/{}", paid.customer.expect("a customer"), intent.payment_method.expect("a card"))),
            "the card is kept for renewals, by reference"
        );

        // Delivered again (Stripe retries), and the browser's return: nothing twice.
        assert_eq!(event.send().await.0, 200);
        let back = app.http.get(fakes.stripe().success_redirect(&session.id)).send().await.expect("return");
        assert!(back.status().is_success(), "{}", back.status());
        assert!(back.text().await.expect("page").contains("Payment complete"));
        verified(&fakes.stripe().seen(), "checkout.sessions.retrieve");
        assert_eq!(events_of(&app, "order.paid").await.len(), 1, "one order.paid");
        assert_eq!(licenses(&client, account.id).await.len(), seats.len());
    }

    async fn forged_tampered_and_stale_stripe_events_change_nothing(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Forged", AccountKind::Individual, Region::Intl).await;
        let placed = order(&client, account.id, &dr(1, PaymentMethod::Card, false)).await;
        let session = session_of_order(&fakes, &placed);
        assert!(!session.saves, "a subscription that does not renew saves no card");
        fakes.stripe().pay(&session.id);
        let url = callback(&app);
        for (forgery, code) in [
            (StripeForgery::BadSignature, ProblemCode::InvalidSignature),
            (StripeForgery::WrongSecret, ProblemCode::InvalidSignature),
            (StripeForgery::TamperedAmount, ProblemCode::InvalidSignature),
            (StripeForgery::Stale, ProblemCode::StaleCallback),
        ] {
            let answer = fakes.stripe().deliver(&session.id, &url, forgery.clone()).await;
            assert_eq!(answer.0, 400, "{forgery:?}: {answer:?}");
            assert_eq!(code_of(&answer), code.to_string(), "{forgery:?}");
            assert_eq!(status_of(&client, placed.id).await, OrderStatus::PendingPayment, "{forgery:?} changed nothing");
        }
        let unsigned = app.http.post(&url).body("{}").send().await.expect("unsigned");
        assert_eq!(unsigned.status(), 400);
        assert!(licenses(&client, account.id).await.is_empty());

        // A header with several signatures, one of them right, is Stripe's own (secret rolling).
        let answer = fakes.stripe().deliver(&session.id, &url, StripeForgery::ExtraSignatures).await;
        assert_eq!(answer.0, 200, "{answer:?}");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Paid);
        assert_eq!(saved_card(&app, account.id).await, None, "nothing saved");

        // An event Entitle does not act on is acknowledged.
        let expired = fakes.stripe().event_delivery_of_kind(&session.id, &url, "checkout.session.expired");
        assert_eq!(expired.send().await.0, 200);
    }

    async fn a_lost_stripe_event_is_found_by_reconciliation(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Lost event", AccountKind::Individual, Region::Intl).await;
        let placed = order(&client, account.id, &dr(2, PaymentMethod::Card, true)).await;
        let session = session_of_order(&fakes, &placed);
        app.admin.run_job("reconcile").await.expect("reconcile");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::PendingPayment, "not paid yet");
        fakes.stripe().pay(&session.id);
        app.admin.run_job("reconcile").await.expect("reconcile");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Paid, "found by asking Stripe");
        verified(&fakes.stripe().seen(), "checkout.sessions.retrieve");
        assert!(saved_card(&app, account.id).await.is_some(), "the card read from the expanded PaymentIntent");
        assert_eq!(licenses(&client, account.id).await.iter().filter(|l| l.product == "dr").count(), 2);
    }

    async fn a_canceled_stripe_order_expires_its_session(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Canceler", AccountKind::Individual, Region::Intl).await;
        let placed = order(&client, account.id, &dr(1, PaymentMethod::Card, false)).await;
        client.cancel_order(placed.id).await.expect("cancel");
        let session = session_of_order(&fakes, &placed);
        assert_eq!(fakes.stripe().session(&session.id).expect("session").status, "expired", "Stripe stops taking payment");
        verified(&fakes.stripe().seen(), "checkout.sessions.expire");
    }
}
