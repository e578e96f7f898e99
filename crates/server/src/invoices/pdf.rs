//! An issued invoice as a PDF, drawn with `pdf-writer` in the standard Helvetica font.
//!
//! Decision: the standard fonts carry Latin text only, so characters outside Latin-1 (a
//! Chinese company name) are shown as `?`; the invoice's JSON keeps them exactly. Embedding a
//! CJK font would lift this, at the cost of several megabytes in the binary.

use entitle_domain::api::Invoice;
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

/// Latin-1 bytes for the standard fonts; anything else becomes `?`.
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            u8::try_from(u32::from(c))
                .ok()
                .filter(|b| *b >= 0x20)
                .unwrap_or(b'?')
        })
        .collect()
}

/// The lines the invoice shows.
fn lines(invoice: &Invoice) -> Vec<String> {
    let buyer = &invoice.buyer;
    let mut lines = vec![
        format!(
            "Invoice {}",
            invoice
                .number
                .clone()
                .unwrap_or_else(|| "(not issued)".to_owned())
        ),
        format!("Type: {}", invoice.kind.as_str()),
        format!(
            "Issued: {}",
            invoice
                .issued_at
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        ),
        "Seller: Entitle Software".to_owned(),
        String::new(),
        format!("Buyer: {}", buyer.title.clone().unwrap_or_default()),
    ];
    for (label, value) in [
        ("Taxpayer ID", &buyer.taxpayer_id),
        ("Address", &buyer.address),
        ("Phone", &buyer.phone),
        ("Bank", &buyer.bank),
        ("Account", &buyer.account_number),
    ] {
        if let Some(value) = value {
            lines.push(format!("{label}: {value}"));
        }
    }
    lines.extend([
        String::new(),
        format!("Order: {}", invoice.order_id),
        format!(
            "Net: {} {}",
            invoice.net.map(|a| a.to_string()).unwrap_or_default(),
            invoice.currency
        ),
        format!(
            "VAT ({}): {} {}",
            invoice.vat_rate.clone().unwrap_or_default(),
            invoice.tax.map(|a| a.to_string()).unwrap_or_default(),
            invoice.currency
        ),
        format!(
            "Total (tax included): {} {}",
            invoice.total, invoice.currency
        ),
    ]);
    lines
}

/// The PDF document of `invoice`.
pub fn render(invoice: &Invoice) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let page = Ref::new(3);
    let font = Ref::new(4);
    let contents = Ref::new(5);
    let font_name = Name(b"F1");

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut page_writer = pdf.page(page);
    page_writer.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
    page_writer.parent(tree);
    page_writer.contents(contents);
    page_writer.resources().fonts().pair(font_name, font);
    drop(page_writer);
    pdf.type1_font(font).base_font(Name(b"Helvetica"));

    let mut content = Content::new();
    content.begin_text();
    content.set_font(font_name, 12.0);
    content.next_line(72.0, 770.0);
    for line in lines(invoice) {
        content.show(Str(&latin1(&line)));
        content.next_line(0.0, -18.0);
    }
    content.end_text();
    pdf.stream(contents, &content.finish());
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_latin1_reaches_the_standard_font() {
        assert_eq!(latin1("Acme ü"), vec![b'A', b'c', b'm', b'e', b' ', 0xfc]);
        assert_eq!(latin1("上海"), b"??".to_vec());
    }
}
