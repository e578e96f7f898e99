//! Invoices (DESIGN.md §6): requested per type and region, issued by the batch with gapless
//! numbers, final once issued.

use entitle_domain::api::InvoiceRequest;
use entitle_domain::api::ProblemCode;
use entitle_domain::invoices::InvoiceStatus;
use entitle_domain::invoices::{BuyerDetails, InvoiceType};
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};

use crate::accounts::account_with_key;
use crate::on_both_databases;
use crate::purchase::{buy, order, purchase};

fn special() -> InvoiceRequest {
    InvoiceRequest {
        kind: InvoiceType::VatSpecial,
        buyer: BuyerDetails {
            title: Some("上海示例科技有限公司".to_owned()),
            company: true,
            taxpayer_id: Some("91310000MA1FL8XQ3R".to_owned()),
            address: Some("上海市浦东新区世纪大道 1 号".to_owned()),
            phone: Some("021-12345678".to_owned()),
            bank: Some("招商银行上海分行".to_owned()),
            account_number: Some("6225880212345678".to_owned()),
        },
    }
}

fn ordinary(title: &str) -> InvoiceRequest {
    InvoiceRequest {
        kind: InvoiceType::VatOrdinary,
        buyer: BuyerDetails {
            title: Some(title.to_owned()),
            ..BuyerDetails::default()
        },
    }
}

on_both_databases! {
    async fn a_cn_order_gets_a_vat_special_invoice_issued_by_the_batch(app) {
        let (account, client) = account_with_key(&app, "Invoiced", AccountKind::Individual, Region::Cn).await;
        let paid = buy(&app, &client, account.id, &purchase("dr", Some(Cycle::Year), 3, PaymentMethod::Alipay)).await;
        let requested = client.request_invoice(paid.id, &special()).await.expect("request");
        assert_eq!(requested.status, InvoiceStatus::Requested);
        assert_eq!(requested.number, None.into());
        assert_eq!(requested.total.to_string(), "5970.00");
        let not_yet = client.invoice_pdf(requested.id).await.expect_err("not issued");
        assert_eq!(not_yet.code(), Some(ProblemCode::InvoiceNotIssued));

        // Changeable until issued.
        let mut changed = special();
        changed.buyer.phone = Some("021-87654321".to_owned());
        let changed = client.request_invoice(paid.id, &changed).await.expect("change");
        assert_eq!(changed.id, requested.id);
        assert_eq!(changed.buyer.phone.as_deref(), Some("021-87654321"));

        assert_eq!(app.admin.run_job("invoices").await.expect("batch").processed, 1);
        let issued = client.get_invoice(requested.id).await.expect("invoice");
        assert_eq!(issued.status, InvoiceStatus::Issued);
        let year = issued.issued_at.expect("issued at").format("%Y").to_string();
        assert_eq!(issued.number, Some(format!("CN-VS-{year}-000001")).into());
        // 5970.00 at 6 %, tax included: 5632.08 + 337.92.
        assert_eq!(issued.net.map(|a| a.to_string()).as_deref(), Some("5632.08"));
        assert_eq!(issued.tax.map(|a| a.to_string()).as_deref(), Some("337.92"));
        assert_eq!(issued.vat_rate.as_deref(), Some("0.06"));
        assert_eq!(issued.buyer.title, special().buyer.title, "the buyer's name is kept exactly");

        let frozen = client.request_invoice(paid.id, &special()).await.expect_err("issued");
        assert_eq!(frozen.code(), Some(ProblemCode::InvoiceIssued));
        assert_eq!(frozen.status().map(|s| s.as_u16()), Some(409));
        assert!(frozen.to_string().contains(&format!("CN-VS-{year}-000001")), "{frozen}: names the number");
        let pdf = client.invoice_pdf(issued.id).await.expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"), "a PDF document");
        assert!(String::from_utf8_lossy(&pdf).contains(&format!("CN-VS-{year}-000001")));

        let listed = client.list_invoices(account.id, None, None).await.expect("invoices");
        assert_eq!(listed.items.len(), 1);
    }

    async fn invoice_requests_are_checked_per_type_and_region(app) {
        let (cn, cn_client) = account_with_key(&app, "CN", AccountKind::Individual, Region::Cn).await;
        let (intl, intl_client) = account_with_key(&app, "INTL", AccountKind::Individual, Region::Intl).await;
        let cn_paid = buy(&app, &cn_client, cn.id, &purchase("failback", None, 1, PaymentMethod::Alipay)).await;
        let intl_paid = buy(&app, &intl_client, intl.id, &purchase("failback", None, 1, PaymentMethod::Paypal)).await;

        let mut no_bank = special();
        no_bank.buyer.bank = None;
        let refused = cn_client.request_invoice(cn_paid.id, &no_bank).await.expect_err("no bank");
        assert_eq!(refused.code(), Some(ProblemCode::InvoiceDetailsInvalid));
        assert!(refused.to_string().contains("bank"), "{refused}");

        let mut company = ordinary("上海示例科技有限公司");
        company.buyer.company = true;
        let refused = cn_client.request_invoice(cn_paid.id, &company).await.expect_err("no taxpayer id");
        assert_eq!(refused.code(), Some(ProblemCode::InvoiceDetailsInvalid));
        assert!(cn_client.request_invoice(cn_paid.id, &ordinary("张三")).await.is_ok());

        let refused = intl_client.request_invoice(intl_paid.id, &special()).await.expect_err("not in intl");
        assert_eq!(refused.code(), Some(ProblemCode::InvoiceTypeNotAllowed));
        let standard = InvoiceRequest {
            kind: InvoiceType::Standard,
            buyer: BuyerDetails { title: Some("Acme GmbH".to_owned()), ..BuyerDetails::default() },
        };
        assert!(intl_client.request_invoice(intl_paid.id, &standard).await.is_ok());

        let unpaid = order(&cn_client, cn.id, &purchase("failback", None, 1, PaymentMethod::Alipay)).await;
        let refused = cn_client.request_invoice(unpaid.id, &ordinary("张三")).await.expect_err("unpaid");
        assert_eq!(refused.code(), Some(ProblemCode::OrderNotPaid));
        let hidden = intl_client.request_invoice(cn_paid.id, &standard).await.expect_err("another account's");
        assert_eq!(hidden.code(), Some(ProblemCode::NotFound));
    }

    async fn a_weeks_requests_get_contiguous_numbers_even_with_two_batches_at_once(app) {
        let other = app.another_instance().await;
        let (account, client) = account_with_key(&app, "Busy", AccountKind::Individual, Region::Cn).await;
        let mut invoices = Vec::new();
        for n in 0..5 {
            let paid = buy(&app, &client, account.id, &purchase("failback", None, 1, PaymentMethod::Alipay)).await;
            invoices.push(client.request_invoice(paid.id, &ordinary(&format!("买家 {n}"))).await.expect("request").id);
        }
        let (a, b) = tokio::join!(app.admin.run_job("invoices"), other.admin.run_job("invoices"));
        assert_eq!(a.expect("batch").processed + b.expect("batch").processed, 5, "each issued once");
        let mut numbers = Vec::new();
        for id in &invoices {
            numbers.push(client.get_invoice(*id).await.expect("invoice").number.0.expect("issued"));
        }
        let year = chrono::Utc::now().format("%Y").to_string();
        let expected: Vec<String> = (1..=5).map(|n| format!("CN-VO-{year}-{n:06}")).collect();
        assert_eq!(numbers, expected, "in request order, without gaps");

        let later = buy(&app, &client, account.id, &purchase("failback", None, 1, PaymentMethod::Alipay)).await;
        let next = client.request_invoice(later.id, &ordinary("买家 5")).await.expect("request");
        assert_eq!(app.admin.run_job("invoices").await.expect("batch").processed, 1);
        assert_eq!(
            client.get_invoice(next.id).await.expect("invoice").number,
            Some(format!("CN-VO-{year}-000006")).into()
        );
    }
}
