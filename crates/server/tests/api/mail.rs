//! Customers hear from Entitle (issue 21), through a real SMTP conversation with a local sink
//! (`smtp_sink`), in test mode so the clock moves, on SQLite and PostgreSQL: a receipt in the
//! account's language with the amount and licenses, sent once however often the job runs; a
//! sink that refuses twice (retried with backoff, sent once); a reminder; an issued invoice
//! with its PDF; a renewal charged, its failed retries and the expiry, each told once; a send
//! cut short by a crash, sent once later under the same `Message-ID`; two servers sending one
//! outbox (each message once); a billing contact refused when it is not an address; a kept
//! message in test mode without SMTP.

use std::time::Duration;

use entitle_domain::api::{InvoiceRequest, Message, MessagePage};
use entitle_domain::invoices::{BuyerDetails, InvoiceType};
use entitle_domain::mail::{MessageKind, MessageStatus};
use entitle_domain::{AccountKind, Clock, Cycle, PaymentMethod, Region};
use entitle_server::Config;
use uuid::Uuid;

use crate::accounts::account_with_key;
use crate::harness::{ADMIN_KEY, TestApp, move_to};
use crate::on_both_databases_with;
use crate::purchase::{order, pay_in_browser, purchase};
use crate::smtp_sink::{Mail, SmtpSink};

/// The sink a scenario's server sends its mail to.
#[derive(Clone)]
pub struct Sink(pub SmtpSink);

impl Sink {
    pub async fn start() -> Sink {
        Sink(SmtpSink::start().await)
    }

    pub fn configure(&self, config: &mut Config) {
        config.smtp_url = Some(self.0.url());
        config.mail_from = "Entitle Billing <billing@vendor.example>".to_owned();
    }
}

/// Gives `account` the billing contact `email` (as its own key would, or an admin).
pub async fn set_contact(app: &TestApp, account: Uuid, email: &str) -> serde_json::Value {
    let response = app
        .http
        .patch(app.url(&format!("/v1/accounts/{account}")))
        .bearer_auth(ADMIN_KEY)
        .json(&serde_json::json!({ "email": email }))
        .send()
        .await
        .expect("patch the account");
    assert_eq!(response.status(), 200, "{email}");
    response.json().await.expect("the account")
}

pub async fn messages(app: &TestApp, account: Uuid) -> Vec<Message> {
    let page: MessagePage = app
        .http
        .get(app.url(&format!("/v1/accounts/{account}/messages")))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .expect("messages")
        .json()
        .await
        .expect("a page");
    page.items
}

async fn mail_job(app: &TestApp) {
    app.admin.run_job("mail").await.expect("run the mail job");
}

/// The mails the sink holds about `kind`, by the `Message-ID` Entitle derives from the news.
fn of_kind(mails: &[Mail], kind: MessageKind) -> Vec<Mail> {
    mails
        .iter()
        .filter(|m| {
            m.header("Message-ID")
                .is_some_and(|id| id.contains(&format!(".{kind}@")))
        })
        .cloned()
        .collect()
}

/// A paid monthly DR purchase of `quantity`, by the sandbox's page.
async fn bought(
    app: &TestApp,
    client: &entitle_client::Client,
    account: Uuid,
    quantity: u32,
    renew: bool,
) -> entitle_domain::api::Order {
    let region = client
        .get_account(account)
        .await
        .expect("the account")
        .region;
    let method = match region {
        Region::Cn => PaymentMethod::Alipay,
        Region::Intl => PaymentMethod::Paypal,
    };
    let mut request = purchase("dr", Some(Cycle::Month), quantity, method);
    if let entitle_domain::api::OrderRequest::Purchase(p) = &mut request {
        p.auto_renew = Some(renew);
    }
    let placed = order(client, account, &request).await;
    assert!(
        pay_in_browser(app, &placed, "succeed")
            .await
            .contains("Payment complete")
    );
    client.get_order(placed.id).await.expect("the order")
}

on_both_databases_with! {
    setup = Sink::start();

    async fn a_purchase_sends_one_receipt_in_the_accounts_language(app, sink: Sink) {
        let (account, client) = account_with_key(&app, "上海客户", AccountKind::Individual, Region::Cn).await;
        let patched = set_contact(&app, account.id, "billing@shanghai.example").await;
        assert_eq!(patched["email"], "billing@shanghai.example");
        assert_eq!(patched["language"], "zh_hans", "cn writes in Simplified Chinese");
        let paid = bought(&app, &client, account.id, 2, false).await;

        mail_job(&app).await;
        mail_job(&app).await;
        let mails = sink.0.wait_for(1, Duration::from_secs(5)).await;
        let receipts = of_kind(&mails, MessageKind::PaymentReceived);
        assert_eq!(receipts.len(), 1, "one receipt however often the job runs: {mails:?}");
        let receipt = &receipts[0];
        assert_eq!(receipt.to, vec!["billing@shanghai.example".to_owned()]);
        assert!(receipt.header("From").is_some_and(|f| f.contains("billing@vendor.example")));
        let text = receipt.text("text/plain").expect("a text part");
        assert!(text.contains(&paid.total.to_string()), "the amount: {text}");
        assert!(receipt.subject().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "a Chinese subject: {}", receipt.subject());
        let licenses = client.list_licenses(account.id, &Default::default()).await.expect("licenses").items;
        assert!(licenses.iter().filter(|l| l.order_id == Some(paid.id).into()).all(|l| text.contains(&l.key)), "every license key: {text}");
        let html = receipt.text("text/html").expect("an html part");
        assert!(html.contains("<html") || html.contains("<table"), "{html}");

        let listed = messages(&app, account.id).await;
        let listed: Vec<_> = listed.iter().filter(|m| m.kind == MessageKind::PaymentReceived).collect();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].status, MessageStatus::Sent);
        assert_eq!(listed[0].attempts, 1);
        assert_eq!(listed[0].to, "billing@shanghai.example");
        assert_eq!(Some(listed[0].message_id.clone()), receipt.header("Message-ID"));
    }

    async fn a_refusing_sink_delays_but_never_loses_a_message(app, sink: Sink) {
        let (account, client) = account_with_key(&app, "Berlin GmbH", AccountKind::Individual, Region::Intl).await;
        set_contact(&app, account.id, "ap@berlin.example").await;
        sink.0.refuse_next(2);
        bought(&app, &client, account.id, 1, false).await;
        mail_job(&app).await;
        let first = messages(&app, account.id).await;
        assert_eq!(first[0].status, MessageStatus::Pending, "refused: waiting to be retried");
        assert_eq!(first[0].attempts, 1);
        mail_job(&app).await;
        assert_eq!(messages(&app, account.id).await[0].attempts, 1, "not before its backoff");

        let now = app.clock.now();
        move_to(&app, now + chrono::Duration::seconds(15)).await;
        mail_job(&app).await;
        assert_eq!(messages(&app, account.id).await[0].attempts, 2, "refused again");
        move_to(&app, app.clock.now() + chrono::Duration::seconds(30)).await;
        mail_job(&app).await;
        let sent = messages(&app, account.id).await;
        assert_eq!(sent[0].status, MessageStatus::Sent);
        assert_eq!(sent[0].attempts, 3);
        assert_eq!(sink.0.refusals(), 2);
        let mails = sink.0.wait_for(1, Duration::from_secs(5)).await;
        assert_eq!(mails.len(), 1, "delivered once");
        assert!(mails[0].subject().contains("Payment") || mails[0].subject().contains("payment"), "English: {}", mails[0].subject());
    }

    async fn a_reminder_and_an_issued_invoice_are_emailed(app, sink: Sink) {
        let (account, client) = account_with_key(&app, "Reminded", AccountKind::Individual, Region::Cn).await;
        set_contact(&app, account.id, "finance@reminded.example").await;
        let paid = bought(&app, &client, account.id, 1, false).await;
        client
            .request_invoice(paid.id, &InvoiceRequest {
                kind: InvoiceType::VatOrdinary,
                buyer: BuyerDetails { title: Some("上海某某有限公司".to_owned()), ..BuyerDetails::default() },
            })
            .await
            .expect("request an invoice");
        app.admin.run_job("invoices").await.expect("issue invoices");
        let sub = crate::lifecycle::dr_subscription(&client, account.id).await;
        move_to(&app, sub.current_period_end - chrono::Duration::days(7)).await;
        app.admin.run_job("reminders").await.expect("reminders");
        mail_job(&app).await;

        let mails = sink.0.wait_for(3, Duration::from_secs(5)).await;
        let invoice = of_kind(&mails, MessageKind::InvoiceIssued);
        assert_eq!(invoice.len(), 1, "{mails:?}");
        let pdf = invoice[0].part("application/pdf").expect("the invoice PDF attached");
        assert!(pdf.starts_with(b"%PDF"), "a PDF");
        let issued = client.list_invoices(account.id, None, None).await.expect("invoices").items;
        let number = issued[0].number.as_ref().expect("a number");
        assert!(invoice[0].text("text/plain").expect("text").contains(number.as_str()), "the number");
        // The DR subscription's and its bonus failback licenses', once each.
        let reminders = of_kind(&mails, MessageKind::ExpiryReminder);
        assert_eq!(reminders.len(), 2, "{}", mails.len());
        assert!(reminders.iter().any(|r| r.subject().contains("DR License") && r.subject().contains('7')), "in 7 days");
    }

    async fn renewals_charged_failed_and_expired_are_each_told_once(app, sink: Sink) {
        let (account, client) = account_with_key(&app, "Renewing", AccountKind::Individual, Region::Intl).await;
        set_contact(&app, account.id, "renew@example.com").await;
        bought(&app, &client, account.id, 1, true).await;
        let sub = crate::lifecycle::dr_subscription(&client, account.id).await;
        move_to(&app, sub.current_period_end).await;
        app.admin.run_job("renewals").await.expect("renewals");
        let renewed = crate::lifecycle::dr_subscription(&client, account.id).await;
        assert_eq!(renewed.current_period_start, sub.current_period_end, "charged by the sandbox");

        // The next term's charges are declined until the subscription expires.
        let declining = app.another_instance_with(|config| config.sandbox_decline_renewals = true).await;
        let end = renewed.current_period_end;
        for day in [0, 1, 3, 5] {
            move_to(&app, end + chrono::Duration::days(day)).await;
            declining.admin.run_job("renewals").await.expect("renewals");
        }
        assert_eq!(
            crate::lifecycle::dr_subscription(&client, account.id).await.status,
            entitle_domain::subscription::SubscriptionStatus::Expired
        );
        mail_job(&app).await;
        mail_job(&app).await;
        let mails = sink.0.wait_for(6, Duration::from_secs(5)).await;
        let charged = of_kind(&mails, MessageKind::RenewalCharged);
        assert_eq!(charged.len(), 1, "{}", mails.len());
        let text = charged[0].text("text/plain").expect("text");
        assert!(text.contains(&renewed.current_period_end.to_rfc3339()[..10]), "the new end: {text}");
        assert_eq!(of_kind(&mails, MessageKind::RenewalFailed).len(), 3, "each failed retry, once");
        assert!(!of_kind(&mails, MessageKind::Expired).is_empty(), "the expiry");
        let failed = of_kind(&mails, MessageKind::RenewalFailed);
        assert!(failed[0].text("text/plain").expect("text").contains(&(end + chrono::Duration::days(1)).to_rfc3339()[..10]), "when it retries");
    }

    async fn a_send_cut_short_by_a_crash_is_sent_once_later_under_the_same_id(app, sink: Sink) {
        use entitle_server::store::entity::message;
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let (account, client) = account_with_key(&app, "Crashed", AccountKind::Individual, Region::Cn).await;
        set_contact(&app, account.id, "crash@example.com").await;
        bought(&app, &client, account.id, 1, false).await;
        // A server claimed the message and died before recording anything.
        let row = message::Entity::find().one(&app.db).await.expect("read").expect("a message");
        let mut claimed: message::ActiveModel = row.clone().into();
        claimed.claimed_until = Set(Some(app.clock.now() + chrono::Duration::minutes(5)));
        claimed.update(&app.db).await.expect("claim");
        mail_job(&app).await;
        assert!(sink.0.mails().is_empty(), "another server's claim is left alone");
        move_to(&app, app.clock.now() + chrono::Duration::minutes(6)).await;
        mail_job(&app).await;
        let mails = sink.0.wait_for(1, Duration::from_secs(5)).await;
        assert_eq!(mails.len(), 1, "sent once the claim lapsed");
        assert_eq!(mails[0].header("Message-ID"), Some(row.message_id.clone()), "under the id derived from the news");
        assert_eq!(messages(&app, account.id).await[0].status, MessageStatus::Sent);
    }

    async fn two_servers_never_send_one_message_twice(app, sink: Sink) {
        let url = sink.0.url();
        let other = app.another_instance_with(|config| config.smtp_url = Some(url)).await;
        let mut accounts = Vec::new();
        for n in 0..4 {
            let (account, client) = account_with_key(&app, &format!("Buyer {n}"), AccountKind::Individual, Region::Intl).await;
            set_contact(&app, account.id, &format!("buyer{n}@example.com")).await;
            bought(&app, &client, account.id, 1, false).await;
            accounts.push(account.id);
        }
        let (a, b) = tokio::join!(mail_job(&app), mail_job(&other));
        let ((), ()) = (a, b);
        mail_job(&app).await;
        let mails = sink.0.wait_for(4, Duration::from_secs(5)).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mails = if sink.0.mails().len() > mails.len() { sink.0.mails() } else { mails };
        assert_eq!(of_kind(&mails, MessageKind::PaymentReceived).len(), 4, "each message once: {}", mails.len());
    }

    async fn a_contact_that_is_not_an_address_is_refused_and_without_smtp_messages_are_kept(app, _sink: Sink) {
        let (account, client) = account_with_key(&app, "Typo", AccountKind::Individual, Region::Cn).await;
        let response = app
            .http
            .patch(app.url(&format!("/v1/accounts/{}", account.id)))
            .bearer_auth(ADMIN_KEY)
            .json(&serde_json::json!({ "email": "billing at example" }))
            .send()
            .await
            .expect("patch");
        assert_eq!(response.status(), 422);
        let problem: serde_json::Value = response.json().await.expect("problem");
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains("email")), "{problem}");
        let fetched = app.admin.get_account(account.id).await.expect("account");
        assert_eq!(fetched.email, None.into(), "nothing changed");

        // A test-mode server without SMTP keeps its messages, to be shown, not sent.
        set_contact(&app, account.id, "billing@typo.example").await;
        bought(&app, &client, account.id, 1, false).await;
        let unmailed = app.another_instance_with(|_| {}).await;
        unmailed.admin.run_job("mail").await.expect("mail");
        let kept = messages(&app, account.id).await;
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].status, MessageStatus::Kept);
        assert_eq!(kept[0].attempts, 0);
        let summary = client.account_summary(account.id).await.expect("summary");
        assert_eq!(summary.latest_messages.first().map(|m| m.id), Some(kept[0].id), "Home shows it");
    }
}
