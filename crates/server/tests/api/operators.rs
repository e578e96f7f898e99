//! What the vendor's operators read across accounts (issue 23): accounts found by name or
//! id with what they hold and owe, the invoice queue, and the audit log narrowed and newest
//! first. Admin keys only.

use entitle_client::AuditQuery;
use entitle_domain::api::{InvoiceRequest, ProblemCode};
use entitle_domain::invoices::{BuyerDetails, InvoiceStatus, InvoiceType};
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};

use crate::accounts::account_with_key;
use crate::on_both_databases;
use crate::purchase::{buy, order, purchase};

on_both_databases! {
    async fn an_operator_finds_an_account_by_part_of_its_name_or_its_id(app) {
        let (berlin, client) = account_with_key(&app, "Demo Berlin", AccountKind::Enterprise, Region::Intl).await;
        let (half, _) = account_with_key(&app, "Half 50% Off", AccountKind::Individual, Region::Cn).await;
        account_with_key(&app, "5000 Corp", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, berlin.id, &purchase("enterprise", Some(Cycle::Year), 5, PaymentMethod::Paypal)).await;
        order(&client, berlin.id, &purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Paypal)).await;

        let found = app.admin.find_accounts(Some("BERL"), None, None).await.expect("search").items;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].account.id, berlin.id);
        assert_eq!((found[0].live_subscriptions, found[0].unpaid_orders), (1, 1));
        let by_id = app.admin.find_accounts(Some(&half.id.to_string()), None, None).await.expect("by id").items;
        assert_eq!(by_id.len(), 1);
        assert_eq!(by_id[0].account.name, "Half 50% Off");
        let literal = app.admin.find_accounts(Some("50%"), None, None).await.expect("literal").items;
        assert_eq!(literal.len(), 1, "a % in the search is a percent sign");
        assert_eq!((literal[0].live_subscriptions, literal[0].unpaid_orders), (0, 0));
        let page = app.admin.find_accounts(None, Some(2), None).await.expect("page");
        assert_eq!(page.items.len(), 2);
        assert!(page.next_cursor.is_some());

        let refused = client.find_accounts(None, None, None).await.expect_err("an account key");
        assert_eq!(refused.code(), Some(ProblemCode::Forbidden));
    }

    async fn the_invoice_queue_shows_what_the_next_batch_issues(app) {
        let (account, client) = account_with_key(&app, "Queued", AccountKind::Individual, Region::Cn).await;
        let paid = buy(&app, &client, account.id, &purchase("dr", Some(Cycle::Year), 1, PaymentMethod::Alipay)).await;
        let request = InvoiceRequest {
            kind: InvoiceType::VatOrdinary,
            buyer: BuyerDetails { title: Some("Queued Ltd".to_owned()), ..BuyerDetails::default() },
        };
        let requested = client.request_invoice(paid.id, &request).await.expect("request");
        let queue = app.admin.invoice_queue().await.expect("queue");
        assert_eq!(queue.requested.iter().map(|i| i.id).collect::<Vec<_>>(), vec![requested.id]);
        assert!(queue.issued.is_empty());
        let next = queue.next_batch_at.0.expect("a next batch");
        assert!(next > chrono::Utc::now() - chrono::Duration::minutes(1));

        app.admin.run_job("invoices").await.expect("run the batch now");
        let queue = app.admin.invoice_queue().await.expect("queue");
        assert!(queue.requested.is_empty());
        assert_eq!(queue.issued.len(), 1);
        assert_eq!(queue.issued[0].status, InvoiceStatus::Issued);
        assert!(queue.issued[0].number.is_some());
        assert_eq!(client.invoice_queue().await.expect_err("an account key").code(), Some(ProblemCode::Forbidden));
    }

    async fn the_audit_log_is_narrowed_by_action_and_actor_and_read_newest_first(app) {
        let (first, _) = account_with_key(&app, "First", AccountKind::Individual, Region::Cn).await;
        let (second, _) = account_with_key(&app, "Second", AccountKind::Individual, Region::Cn).await;
        let created = |newest_first| AuditQuery {
            action: Some("account.created".to_owned()),
            actor: Some("admin".to_owned()),
            newest_first,
            ..AuditQuery::default()
        };
        let oldest = app.admin.find_audit_events(&created(false)).await.expect("log").items;
        let ids: Vec<_> = oldest.iter().map(|e| e.entity_id).collect();
        assert_eq!(ids, vec![first.id, second.id]);
        let newest = app.admin.find_audit_events(&created(true)).await.expect("log").items;
        assert_eq!(newest.iter().map(|e| e.entity_id).collect::<Vec<_>>(), vec![second.id, first.id]);
        assert!(newest.iter().all(|e| e.action == "account.created"));
        let paged = AuditQuery { limit: Some(1), ..created(true) };
        let page = app.admin.find_audit_events(&paged).await.expect("page");
        assert_eq!(page.items[0].entity_id, second.id);
        let older = AuditQuery { cursor: page.next_cursor.0.clone(), ..paged };
        assert_eq!(app.admin.find_audit_events(&older).await.expect("older").items[0].entity_id, first.id);
        let nobody = AuditQuery { actor: Some("system".to_owned()), ..created(false) };
        assert!(app.admin.find_audit_events(&nobody).await.expect("none").items.is_empty());
    }
}
