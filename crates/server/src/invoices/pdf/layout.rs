//! What an invoice page says, line by line: the text split into runs per font, and lines
//! wrapped to the page's width (a Chinese address runs to 500 characters and may have two
//! lines of its own) so nothing runs off the paper.

use entitle_domain::api::Invoice;

/// The font size, in points.
pub const SIZE: f32 = 12.0;
/// From one baseline to the next, in points.
pub const LEADING: f32 = 18.0;
/// The width text is wrapped to: A4 (595 pt) less a 72 pt margin each side.
pub const WIDTH: f32 = 451.0;
/// Lines on one page: from 770 pt down to the bottom margin at 72 pt.
pub const LINES_PER_PAGE: usize = 38;

/// Helvetica's advance widths (thousandths of an em) for ASCII 32 to 126, from its AFM.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 222, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
    222, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];
/// Latin-1 letters beyond ASCII, taken at the width of the widest of them (a capital with
/// an accent), so a line never ends up wider than it was measured.
const LATIN1_WIDE: u16 = 722;
/// Every CJK glyph of `STSong-Light` is one em wide.
const CJK_EM: u16 = 1000;

/// A stretch of a line set in one font.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// Latin-1 bytes for Helvetica.
    Latin(Vec<u8>),
    /// UCS-2 codes for `STSong-Light` through `UniGB-UCS2-H`.
    Cjk(Vec<u16>),
}

/// How one character is set: a Latin-1 byte, a UCS-2 code for the CJK font, or `?` when
/// neither font can address it (controls, characters beyond the Basic Multilingual Plane).
enum Glyph {
    Latin(u8),
    Cjk(u16),
}

fn glyph(c: char) -> Glyph {
    if c.is_control() {
        return Glyph::Latin(b'?');
    }
    match (u8::try_from(u32::from(c)), u16::try_from(u32::from(c))) {
        (Ok(byte), _) => Glyph::Latin(byte),
        (_, Ok(code)) => Glyph::Cjk(code),
        _ => Glyph::Latin(b'?'),
    }
}

/// How far `c` advances the pen, in points.
fn advance(c: char) -> f32 {
    let units = match glyph(c) {
        Glyph::Latin(byte) => HELVETICA
            .get(usize::from(byte).wrapping_sub(32))
            .copied()
            .unwrap_or(LATIN1_WIDE),
        Glyph::Cjk(_) => CJK_EM,
    };
    f32::from(units) * SIZE / 1000.0
}

/// How wide `text` is set, in points.
pub fn width(text: &str) -> f32 {
    text.chars().map(advance).sum()
}

/// Splits `text` into runs per font.
pub fn runs(text: &str) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for c in text.chars() {
        match (glyph(c), runs.last_mut()) {
            (Glyph::Latin(byte), Some(Run::Latin(bytes))) => bytes.push(byte),
            (Glyph::Latin(byte), _) => runs.push(Run::Latin(vec![byte])),
            (Glyph::Cjk(code), Some(Run::Cjk(codes))) => codes.push(code),
            (Glyph::Cjk(code), _) => runs.push(Run::Cjk(vec![code])),
        }
    }
    runs
}

/// Breaks `text` into lines at most `max` points wide: Latin words at their last space,
/// CJK text between any two characters (as Chinese is set). A space a break lands on is
/// dropped.
pub fn wrap(text: &str, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in text.chars() {
        if line.is_empty() && c == ' ' && !lines.is_empty() {
            continue;
        }
        if !line.is_empty() && width(&line) + advance(c) > max {
            let at_space = line
                .rfind(' ')
                .filter(|&i| i > 0 && u32::from(c) <= 0xff && c != ' ');
            let rest = match at_space {
                Some(i) => {
                    let rest = line[i + 1..].to_owned();
                    line.truncate(i);
                    rest
                }
                None => String::new(),
            };
            lines.push(std::mem::replace(&mut line, rest));
            if c == ' ' {
                continue;
            }
        }
        line.push(c);
    }
    lines.push(line);
    lines
}

/// One line of the page: how far right of the margin it starts, in points, and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub indent: f32,
    pub text: String,
}

/// `label` then `value`, wrapped to the page: a value's own lines and its wrapped
/// continuations start under its first character, not under the label.
fn field(label: &str, value: &str) -> Vec<Line> {
    let indent = width(label);
    let mut lines = Vec::new();
    for (n, text) in value
        .split('\n')
        .map(|piece| piece.trim_end_matches('\r'))
        .flat_map(|piece| wrap(piece, WIDTH - indent))
        .enumerate()
    {
        lines.push(if n == 0 {
            Line {
                indent: 0.0,
                text: format!("{label}{text}"),
            }
        } else {
            Line { indent, text }
        });
    }
    lines
}

/// The lines the invoice shows.
pub fn lines(invoice: &Invoice) -> Vec<Line> {
    let buyer = &invoice.buyer;
    let number = invoice.number.as_deref().unwrap_or("(not issued)");
    let issued = invoice
        .issued_at
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let net = invoice.net.map(|a| a.to_string()).unwrap_or_default();
    let tax = invoice.tax.map(|a| a.to_string()).unwrap_or_default();
    let rate = invoice.vat_rate.as_deref().unwrap_or_default();
    let currency = invoice.currency;
    let mut fields = vec![
        ("Invoice ".to_owned(), number.to_owned()),
        ("Type: ".to_owned(), invoice.kind.to_string()),
        ("Issued: ".to_owned(), issued),
        ("Seller: ".to_owned(), "Entitle Software".to_owned()),
        (String::new(), String::new()),
        (
            "Buyer: ".to_owned(),
            buyer.title.clone().unwrap_or_default(),
        ),
    ];
    for (label, value) in [
        ("Taxpayer ID", &buyer.taxpayer_id),
        ("Address", &buyer.address),
        ("Phone", &buyer.phone),
        ("Bank", &buyer.bank),
        ("Account", &buyer.account_number),
    ] {
        if let Some(value) = value {
            fields.push((format!("{label}: "), value.clone()));
        }
    }
    fields.extend([
        (String::new(), String::new()),
        ("Order: ".to_owned(), invoice.order_id.to_string()),
        ("Net: ".to_owned(), format!("{net} {currency}")),
        (format!("VAT ({rate}): "), format!("{tax} {currency}")),
        (
            "Total (tax included): ".to_owned(),
            format!("{} {currency}", invoice.total),
        ),
    ]);
    fields
        .iter()
        .flat_map(|(label, value)| field(label, value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_stays_in_helvetica_and_chinese_goes_to_the_cjk_font() {
        assert_eq!(
            runs("Buyer: 上海 Acme ü"),
            vec![
                Run::Latin(b"Buyer: ".to_vec()),
                Run::Cjk(vec![0x4e0a, 0x6d77]),
                Run::Latin(vec![b' ', b'A', b'c', b'm', b'e', b' ', 0xfc]),
            ]
        );
    }

    #[test]
    fn what_neither_font_addresses_is_a_question_mark() {
        assert_eq!(runs("a\u{1F600}\u{7}b"), vec![Run::Latin(b"a??b".to_vec())]);
    }

    #[test]
    fn helvetica_widths_are_the_afm_ones() {
        assert_eq!(width(" "), 278.0 * SIZE / 1000.0);
        assert_eq!(width("W"), 944.0 * SIZE / 1000.0);
        assert_eq!(width("~"), 584.0 * SIZE / 1000.0);
        assert_eq!(width("上海"), 2.0 * SIZE);
    }

    #[test]
    fn chinese_breaks_between_characters_and_latin_at_spaces() {
        let road = "路".repeat(100);
        let wrapped = wrap(&road, WIDTH);
        assert!(wrapped.len() > 1);
        assert!(wrapped.iter().all(|line| width(line) <= WIDTH));
        assert_eq!(wrapped.concat(), road, "nothing lost");

        let words = "Suite 1 Tower 2 ".repeat(30).trim_end().to_owned();
        let wrapped = wrap(&words, 100.0);
        assert!(wrapped.iter().all(|line| width(line) <= 100.0));
        assert!(
            wrapped
                .iter()
                .all(|line| !line.starts_with(' ') && !line.ends_with(' ')),
            "{wrapped:?}"
        );
        assert!(
            wrapped
                .iter()
                .all(|line| line.starts_with("Suite") || line.starts_with("Tower"))
        );
    }

    #[test]
    fn an_address_keeps_its_own_lines_under_its_first_character() {
        let lines = field("Address: ", "上海市浦东新区\n世纪大道 1 号");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "Address: 上海市浦东新区");
        assert_eq!(lines[0].indent, 0.0);
        assert_eq!(lines[1].text, "世纪大道 1 号");
        assert_eq!(lines[1].indent, width("Address: "));

        let long = field("Address: ", &"路".repeat(500));
        assert!(long.len() > 10);
        assert!(
            long.iter()
                .all(|line| line.indent + width(&line.text) <= WIDTH + 0.01)
        );
    }
}
