//! Nothing paid is lost: a payment whose callback never arrived is found by the `reconcile`
//! job, which asks the provider (a signed query the fake verifies) — and a provider's answer
//! that does not verify is not believed.

use entitle_domain::jobs::Job;
use entitle_domain::orders::OrderStatus;
use entitle_domain::{AccountKind, PaymentMethod, Region};

use super::{dr, events_of, licenses, open_alipay, status_of, trade_no, verified};
use crate::accounts::account_with_key;
use crate::fakes::{Answer, Fakes, Forgery};
use crate::harness::TestApp;
use crate::on_both_databases_with;
use crate::purchase::order;

async fn reconcile(app: &TestApp) -> u64 {
    app.admin
        .run_job("reconcile")
        .await
        .expect("run reconcile")
        .processed
}

async fn metrics(app: &TestApp) -> String {
    let page = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth(crate::harness::ADMIN_KEY)
        .send()
        .await
        .expect("metrics");
    page.text().await.expect("text")
}

on_both_databases_with! {
    setup = Fakes::live();

    async fn a_lost_alipay_notify_is_found_by_reconcile(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Lost notify", AccountKind::Individual, Region::Cn).await;
        let lost = order(&client, account.id, &dr(2, PaymentMethod::Alipay, false)).await;
        let never_opened = order(&client, account.id, &dr(1, PaymentMethod::Alipay, false)).await;
        let opened_unpaid = order(&client, account.id, &dr(1, PaymentMethod::Alipay, false)).await;
        let no = open_alipay(&app, &fakes, &lost).await;
        open_alipay(&app, &fakes, &opened_unpaid).await;
        fakes.alipay().pay(&no);
        // The notify never comes.
        assert_eq!(status_of(&client, lost.id).await, OrderStatus::PendingPayment);

        assert_eq!(reconcile(&app).await, 1, "the paid one is found");
        verified(&fakes.alipay().seen(), "alipay.trade.query");
        assert_eq!(status_of(&client, lost.id).await, OrderStatus::Paid);
        assert_eq!(status_of(&client, never_opened.id).await, OrderStatus::PendingPayment, "ACQ.TRADE_NOT_EXIST");
        assert_eq!(status_of(&client, opened_unpaid.id).await, OrderStatus::PendingPayment, "WAIT_BUYER_PAY");
        assert_eq!(licenses(&client, account.id).await.len(), 4, "2 DR + 2 bonus");
        assert!(metrics(&app).await.contains("entitle_payments_reconciled_total 1"), "{}", metrics(&app).await);

        assert_eq!(reconcile(&app).await, 0, "found once");
        // The notify arrives late after all: acknowledged, nothing twice.
        assert_eq!(fakes.alipay().notify(&no, Forgery::Honest).await, (200, "success".to_owned()));
        assert_eq!(licenses(&client, account.id).await.len(), 4);
        assert_eq!(events_of(&app, "order.paid").await.len(), 1);
        assert!(metrics(&app).await.contains("entitle_payments_reconciled_total 1"));
    }

    async fn a_lost_wechat_callback_is_found_by_reconcile(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Lost callback", AccountKind::Individual, Region::Cn).await;
        let lost = order(&client, account.id, &dr(1, PaymentMethod::WechatPay, false)).await;
        let unpaid = order(&client, account.id, &dr(1, PaymentMethod::WechatPay, false)).await;
        fakes.wechat().pay(&trade_no(&lost));

        assert_eq!(reconcile(&app).await, 1);
        let query = verified(&fakes.wechat().seen(), "query");
        assert!(query.target.contains("?mchid="), "{query:?}");
        assert_eq!(status_of(&client, lost.id).await, OrderStatus::Paid);
        assert_eq!(status_of(&client, unpaid.id).await, OrderStatus::PendingPayment, "NOTPAY");
        assert_eq!(licenses(&client, account.id).await.len(), 2);
        assert!(metrics(&app).await.contains("entitle_payments_reconciled_total 1"));
        assert_eq!(fakes.wechat().notify(&trade_no(&lost), Forgery::Honest).await, (204, String::new()));
        assert_eq!(events_of(&app, "order.paid").await.len(), 1);
    }

    async fn a_query_answer_that_does_not_verify_is_not_believed(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Doubted", AccountKind::Individual, Region::Cn).await;
        let by_alipay = order(&client, account.id, &dr(1, PaymentMethod::Alipay, false)).await;
        let by_wechat = order(&client, account.id, &dr(1, PaymentMethod::WechatPay, false)).await;
        let no = open_alipay(&app, &fakes, &by_alipay).await;
        fakes.alipay().pay(&no);
        fakes.wechat().pay(&trade_no(&by_wechat));
        fakes.alipay().answer_with(Answer::WrongKey);
        fakes.wechat().answer_with(Answer::WrongKey);

        assert_eq!(reconcile(&app).await, 0, "answers signed with another key say nothing");
        verified(&fakes.alipay().seen(), "alipay.trade.query");
        verified(&fakes.wechat().seen(), "query");
        assert_eq!(status_of(&client, by_alipay.id).await, OrderStatus::PendingPayment);
        assert_eq!(status_of(&client, by_wechat.id).await, OrderStatus::PendingPayment);

        fakes.alipay().answer_with(Answer::Honest);
        fakes.wechat().answer_with(Answer::Honest);
        assert_eq!(reconcile(&app).await, 2, "the same answers, signed by the providers");
        assert_eq!(status_of(&client, by_alipay.id).await, OrderStatus::Paid);
        assert_eq!(status_of(&client, by_wechat.id).await, OrderStatus::Paid);

        let later = order(&client, account.id, &dr(1, PaymentMethod::Alipay, false)).await;
        let no = open_alipay(&app, &fakes, &later).await;
        fakes.alipay().pay(&no);
        fakes.alipay().stop().await;
        fakes.wechat().stop().await;
        assert_eq!(reconcile(&app).await, 0, "an unreachable provider is asked again later");
        assert_eq!(status_of(&client, later.id).await, OrderStatus::PendingPayment);
        assert_eq!(licenses(&client, account.id).await.len(), 4, "the two found, not the third");
        let jobs = app.admin.list_jobs().await.expect("jobs");
        let job = jobs.items.iter().find(|j| j.job == Job::Reconcile).expect("the reconcile job is listed");
        assert_eq!(job.last_outcome.as_deref(), Some("ok"), "a provider down is not the job failing");
    }
}
