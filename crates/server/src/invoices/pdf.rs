//! An issued invoice as a PDF, drawn with `pdf-writer`.
//!
//! Latin text is set in the standard Helvetica font, as before. Anything else a buyer's
//! details carry (a Chinese company name, address or bank, the point of a `cn` invoice) is set
//! in `STSong-Light`, one of PDF's predefined CJK fonts: a Type0 font over the `Adobe-GB1`
//! character collection, addressed in UCS-2 through the predefined `UniGB-UCS2-H` CMap.
//! Decision: no font file is embedded, so the binary stays small (a CJK font is megabytes);
//! viewers bring a Song face of their own for these names. A `/ToUnicode` map is written as
//! well, so copying and text extraction give the characters back without relying on the
//! viewer's CMap files. Lines are wrapped to the page and a long invoice goes on to a second
//! page ([`layout`]).

mod layout;

use std::collections::BTreeSet;

use entitle_domain::api::Invoice;
use layout::{LEADING, LINES_PER_PAGE, Line, Run, SIZE};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

/// Helvetica's resource name.
const LATIN: Name<'static> = Name(b"F1");
/// `STSong-Light`'s resource name.
const CJK: Name<'static> = Name(b"F2");
/// The predefined CJK font, its encoding and its character collection.
const CJK_FONT: Name<'static> = Name(b"STSong-Light");
const CJK_ENCODING: Name<'static> = Name(b"UniGB-UCS2-H");
const GB1: SystemInfo<'static> = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"GB1"),
    supplement: 2,
};
const TO_UNICODE: Name<'static> = Name(b"Entitle-UCS2-UTF16");
/// The left margin and the first baseline, in points.
const LEFT: f32 = 72.0;
const TOP: f32 = 770.0;

/// The PDF document of `invoice`.
pub fn render(invoice: &Invoice) -> Vec<u8> {
    let lines = layout::lines(invoice);
    let mut cjk_used = BTreeSet::new();
    let contents: Vec<Vec<u8>> = lines
        .chunks(LINES_PER_PAGE)
        .map(|page| page_content(page, &mut cjk_used))
        .collect();

    let mut next = Ref::new(1);
    let catalog = next.bump();
    let tree = next.bump();
    let latin_font = next.bump();
    let cjk_refs = [next.bump(), next.bump(), next.bump(), next.bump()];
    let pages: Vec<(Ref, Ref)> = contents
        .iter()
        .map(|_| (next.bump(), next.bump()))
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(pages.iter().map(|(page, _)| *page))
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    for (&(page, content_ref), content) in pages.iter().zip(&contents) {
        let mut page_writer = pdf.page(page);
        page_writer.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
        page_writer.parent(tree);
        page_writer.contents(content_ref);
        let mut resources = page_writer.resources();
        let mut fonts = resources.fonts();
        fonts.pair(LATIN, latin_font);
        if !cjk_used.is_empty() {
            fonts.pair(CJK, cjk_refs[0]);
        }
        drop(fonts);
        drop(resources);
        drop(page_writer);
        pdf.stream(content_ref, content);
    }
    pdf.type1_font(latin_font).base_font(Name(b"Helvetica"));
    if !cjk_used.is_empty() {
        write_cjk_font(&mut pdf, cjk_refs, &cjk_used);
    }
    pdf.finish()
}

/// One page's content stream: each line's runs, switching fonts where the script changes.
/// Notes the CJK codes shown in `cjk_used`, for the `/ToUnicode` map.
fn page_content(lines: &[Line], cjk_used: &mut BTreeSet<u16>) -> Vec<u8> {
    let mut content = Content::new();
    content.begin_text();
    content.set_font(LATIN, SIZE);
    let mut font = LATIN;
    let mut indent = 0.0;
    for (n, line) in lines.iter().enumerate() {
        // `Td` moves from the start of the previous line, whatever the runs advanced.
        if n == 0 {
            content.next_line(LEFT + line.indent, TOP);
        } else {
            content.next_line(line.indent - indent, -LEADING);
        }
        indent = line.indent;
        for run in layout::runs(&line.text) {
            let (wanted, bytes) = match run {
                Run::Latin(bytes) => (LATIN, bytes),
                Run::Cjk(codes) => {
                    cjk_used.extend(codes.iter().copied());
                    (CJK, codes.iter().flat_map(|c| c.to_be_bytes()).collect())
                }
            };
            if wanted != font {
                content.set_font(wanted, SIZE);
                font = wanted;
            }
            content.show(Str(&bytes));
        }
    }
    content.end_text();
    content.finish().into_vec()
}

/// `STSong-Light` as a Type0 font over a CIDFontType0 descendant, with its descriptor and a
/// `/ToUnicode` map for the `used` codes. Nothing is embedded: the metrics in the descriptor
/// are the ones viewers expect for this predefined font.
fn write_cjk_font(
    pdf: &mut Pdf,
    [font, cid, descriptor, to_unicode]: [Ref; 4],
    used: &BTreeSet<u16>,
) {
    pdf.type0_font(font)
        .base_font(CJK_FONT)
        .encoding_predefined(CJK_ENCODING)
        .descendant_font(cid)
        .to_unicode(to_unicode);
    pdf.cid_font(cid)
        .subtype(CidFontType::Type0)
        .base_font(CJK_FONT)
        .system_info(GB1)
        .font_descriptor(descriptor)
        .default_width(1000.0);
    pdf.font_descriptor(descriptor)
        .name(CJK_FONT)
        .flags(FontFlags::SERIF | FontFlags::SYMBOLIC)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(880.0)
        .stem_v(93.0);
    // UCS-2 codes are the characters' own code points, so the map is the identity on them.
    let mut cmap = UnicodeCmap::new(TO_UNICODE, GB1);
    for (code, c) in used
        .iter()
        .filter_map(|&code| Some((code, char::from_u32(u32::from(code))?)))
    {
        cmap.pair(code, c);
    }
    let cmap = cmap.finish();
    pdf.cmap(to_unicode, &cmap)
        .name(TO_UNICODE)
        .system_info(GB1);
}

#[cfg(test)]
mod tests {
    use entitle_domain::Currency;
    use entitle_domain::invoices::{BuyerDetails, InvoiceStatus, InvoiceType};

    use super::*;

    fn text(pdf: Vec<u8>) -> String {
        String::from_utf8_lossy(&pdf).into_owned()
    }

    #[test]
    fn the_cjk_font_is_named_only_when_a_line_needs_it() {
        let mut invoice = sample();
        assert!(!text(render(&invoice)).contains("STSong-Light"));
        invoice.buyer.title = Some("上海示例科技有限公司".to_owned());
        let pdf = text(render(&invoice));
        assert!(pdf.contains("/BaseFont /STSong-Light"));
        assert!(pdf.contains("/Encoding /UniGB-UCS2-H"));
        assert!(pdf.contains("/Ordering (GB1)"));
        assert!(!pdf.contains("/FontFile"), "nothing is embedded");
        // 上海 is U+4E0A U+6D77: shown as UCS-2 codes, each mapped back for extraction.
        assert!(
            pdf.contains("<4E0A6D77"),
            "the name is shown in UCS-2: {pdf}"
        );
        assert!(pdf.contains("<4E0A> <4E0A>"));
        assert!(
            pdf.contains("(Invoice CN-VS-2026-000001) Tj"),
            "Latin text as before"
        );
    }

    #[test]
    fn a_long_invoice_goes_on_to_a_second_page() {
        let mut invoice = sample();
        assert!(text(render(&invoice)).contains("/Count 1"));
        invoice.buyer.title = Some("示".repeat(200));
        invoice.buyer.address = Some("路".repeat(500));
        invoice.buyer.bank = Some("行".repeat(200));
        invoice.buyer.taxpayer_id = Some("9".repeat(64));
        invoice.buyer.phone = Some("0".repeat(64));
        let pdf = text(render(&invoice));
        assert!(pdf.contains("/Count 2"), "41 lines do not fit one page");
        assert!(
            pdf.contains("(Total (tax included): 5970.00 CNY)"),
            "the last line is shown"
        );
    }

    fn sample() -> Invoice {
        let at = chrono::DateTime::UNIX_EPOCH;
        Invoice {
            id: uuid::Uuid::from_u128(1),
            order_id: uuid::Uuid::from_u128(2),
            account_id: uuid::Uuid::from_u128(3),
            kind: InvoiceType::VatSpecial,
            status: InvoiceStatus::Issued,
            number: Some("CN-VS-2026-000001".to_owned()).into(),
            buyer: BuyerDetails {
                title: Some("Acme Ltd".to_owned()),
                company: true,
                ..BuyerDetails::default()
            },
            currency: Currency::Cny,
            total: "5970.00".parse().expect("an amount"),
            net: None.into(),
            tax: None.into(),
            vat_rate: None.into(),
            requested_at: at,
            issued_at: Some(at).into(),
        }
    }
}
