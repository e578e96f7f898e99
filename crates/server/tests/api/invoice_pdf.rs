//! A `cn` invoice's PDF reads in Chinese (issue 17): the buyer's company name, address and
//! bank come back from `pdftotext` exactly as they were requested, not as `?`.

use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, PoisonError};

use entitle_domain::api::InvoiceRequest;
use entitle_domain::invoices::{BuyerDetails, InvoiceType};
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};

use crate::accounts::account_with_key;
use crate::on_both_databases;
use crate::purchase::{buy, purchase};

const TITLE: &str = "北京示例软件有限公司";
const ADDRESS: &str = "北京市海淀区中关村大街 27 号";
const BANK: &str = "中国工商银行北京海淀支行";

on_both_databases! {
    async fn a_cn_invoice_pdf_prints_the_buyers_name_address_and_bank_in_chinese(app) {
        let (account, client) = account_with_key(&app, "Beijing", AccountKind::Individual, Region::Cn).await;
        let paid = buy(&app, &client, account.id, &purchase("dr", Some(Cycle::Year), 1, PaymentMethod::Alipay)).await;
        let request = InvoiceRequest {
            kind: InvoiceType::VatSpecial,
            buyer: BuyerDetails {
                title: Some(TITLE.to_owned()),
                company: true,
                taxpayer_id: Some("91110108MA01ABCD2X".to_owned()),
                address: Some(ADDRESS.to_owned()),
                phone: Some("010-62345678".to_owned()),
                bank: Some(BANK.to_owned()),
                account_number: Some("0200004509012345678".to_owned()),
            },
        };
        let requested = client.request_invoice(paid.id, &request).await.expect("request");
        assert_eq!(app.admin.run_job("invoices").await.expect("batch").processed, 1);
        let issued = client.get_invoice(requested.id).await.expect("invoice");
        let number = issued.number.0.expect("issued");

        let text = pdf_text(client.invoice_pdf(issued.id).await.expect("pdf")).await;
        for chinese in [TITLE, ADDRESS, BANK] {
            assert!(text.contains(chinese), "{chinese:?} in the PDF's text:\n{text}");
        }
        assert!(text.contains(&format!("Invoice {number}")), "Latin text as before:\n{text}");
        assert!(text.contains("Taxpayer ID: 91110108MA01ABCD2X"), "{text}");
        assert!(!text.contains('?'), "nothing is replaced by `?`:\n{text}");
    }
}

/// Poppler's map from `UniGB-UCS2-H` codes to the `Adobe-GB1` collection: without it
/// poppler cannot read the predefined CJK font at all.
const GB1_CMAP: &str = "/usr/share/poppler/cMap/Adobe-GB1/UniGB-UCS2-H";

/// One install at a time: both databases' runs are threads of this one process.
static POPPLER: Mutex<()> = Mutex::new(());

/// Installs `pdftotext` and poppler's CMaps with apt-get when they are missing, as crates/bench
/// does for wrk: a machine without them fails this test rather than skipping it.
fn ensure_poppler() {
    let _one_at_a_time = POPPLER.lock().unwrap_or_else(PoisonError::into_inner);
    let present =
        || Command::new("pdftotext").arg("-v").output().is_ok() && Path::new(GB1_CMAP).exists();
    if present() {
        return;
    }
    eprintln!("installing poppler-utils and poppler-data (apt-get)");
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|status| status.success())
    };
    let installed =
        apt(&["update", "-qq"]) && apt(&["install", "-y", "-qq", "poppler-utils", "poppler-data"]);
    assert!(
        installed && present(),
        "pdftotext and poppler's CMaps are needed: run `apt-get install poppler-utils poppler-data`"
    );
}

/// The text `pdftotext` reads from `pdf`: what copying from a viewer gives.
async fn pdf_text(pdf: Vec<u8>) -> String {
    tokio::task::spawn_blocking(move || {
        ensure_poppler();
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), &pdf).expect("write the PDF");
        let out = Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(file.path())
            .arg("-")
            .output()
            .expect("pdftotext");
        let errors = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && errors.is_empty(),
            "pdftotext: {errors}"
        );
        String::from_utf8(out.stdout).expect("UTF-8 text")
    })
    .await
    .expect("pdftotext task")
}
