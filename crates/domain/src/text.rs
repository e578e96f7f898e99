//! Free text a client sends: names, references, host names, URLs, invoice details. Every such
//! field has a length limit, stated in the API spec (`maxLength`, the same numbers as the
//! constants here; a test holds the two together) and no control characters: a NUL is refused
//! by PostgreSQL's text type (it answered 500), and a control character in a name or a
//! reference breaks every log line, terminal and PDF that later shows it. Only a field that is
//! genuinely several lines (an address) may hold tabs and line breaks.
//!
//! A refusal is bad input, a 422 `validation_failed` naming the field.

use crate::api::ProblemCode;
use thiserror::Error;

/// A display name: an account's, an API key's, a product's.
pub const NAME_MAX: usize = 200;
/// What consumed a one-time license.
pub const REFERENCE_MAX: usize = 200;
/// A host name or address (DNS allows 253 characters).
pub const HOST_MAX: usize = 253;
/// Any URL a client gives (a webhook endpoint, a return URL).
pub const URL_MAX: usize = 2000;
/// A webhook endpoint's signing secret.
pub const SECRET_MAX: usize = 200;
/// An `Idempotency-Key`.
pub const IDEMPOTENCY_KEY_MAX: usize = 255;
/// A product's code (`[a-z][a-z0-9_]*`), as [`crate::ProductCode`] parses it.
pub const CODE_MAX: usize = 32;
/// A product family's name.
pub const FAMILY_MAX: usize = 64;
/// An outbound event type (`order.paid`).
pub const EVENT_TYPE_MAX: usize = 100;
/// An invoice's title or the buyer's bank.
pub const INVOICE_NAME_MAX: usize = 200;
/// The buyer's registered address.
pub const ADDRESS_MAX: usize = 500;
/// A taxpayer ID, a phone number, a bank account number.
pub const INVOICE_CODE_MAX: usize = 64;

/// Why a free-text field was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextRefusal {
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error(
        "{field} contains the control character U+{code:04X} at character {position}: send printable text only"
    )]
    ControlCharacter {
        field: &'static str,
        code: u32,
        position: usize,
    },
}

impl TextRefusal {
    /// The stable code the API answers with: it is bad input.
    pub fn code(&self) -> ProblemCode {
        ProblemCode::ValidationFailed
    }

    /// The field refused.
    pub fn field(&self) -> &'static str {
        match self {
            TextRefusal::TooLong { field, .. } | TextRefusal::ControlCharacter { field, .. } => {
                field
            }
        }
    }
}

fn check(
    field: &'static str,
    value: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), TextRefusal> {
    let mut length = 0;
    for (position, c) in value.chars().enumerate() {
        if c.is_control() && !allowed(c) {
            return Err(TextRefusal::ControlCharacter {
                field,
                code: u32::from(c),
                position,
            });
        }
        length = position + 1;
    }
    if length > max {
        return Err(TextRefusal::TooLong { field, max });
    }
    Ok(())
}

/// One line of text: at most `max` characters (Unicode scalar values, as the spec's
/// `maxLength` counts them) and no control character at all, not even a tab.
pub fn check_free_text(field: &'static str, value: &str, max: usize) -> Result<(), TextRefusal> {
    check(field, value, max, |_| false)
}

/// Text that may run over several lines (an address): tabs and line breaks (`\t`, `\n`, `\r`)
/// are kept, every other control character is refused.
pub fn check_multiline_text(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), TextRefusal> {
    check(field, value, max, |c| matches!(c, '\t' | '\n' | '\r'))
}

/// [`check_free_text`] for an optional field: absent is fine.
pub fn check_optional(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<(), TextRefusal> {
    value.map_or(Ok(()), |v| check_free_text(field, v, max))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn nul_and_control_characters_are_refused_with_their_place() {
        assert_eq!(
            check_free_text("name", "Ac\0me", NAME_MAX),
            Err(TextRefusal::ControlCharacter {
                field: "name",
                code: 0,
                position: 2
            })
        );
        for bad in ["a\tb", "a\nb", "\u{1b}[31m", "del\u{7f}", "c1\u{85}"] {
            assert!(check_free_text("name", bad, NAME_MAX).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_address_keeps_its_lines_but_not_other_controls() {
        assert_eq!(
            check_multiline_text("address", "1 Road\r\nBuilding 2\tRoom 3", ADDRESS_MAX),
            Ok(())
        );
        assert!(check_multiline_text("address", "1 Road\0", ADDRESS_MAX).is_err());
        assert!(check_multiline_text("address", "\u{7}", ADDRESS_MAX).is_err());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let chinese = "北".repeat(NAME_MAX);
        assert_eq!(check_free_text("name", &chinese, NAME_MAX), Ok(()));
        assert_eq!(
            check_free_text("name", &format!("{chinese}x"), NAME_MAX),
            Err(TextRefusal::TooLong {
                field: "name",
                max: NAME_MAX
            })
        );
        assert_eq!(check_optional("title", None, 1), Ok(()));
        assert!(check_optional("title", Some("ab"), 1).is_err());
    }

    #[test]
    fn every_refusal_is_bad_input_naming_its_field() {
        let refusal = check_free_text("host", "a\0", HOST_MAX).expect_err("refused");
        assert_eq!(refusal.code(), ProblemCode::ValidationFailed);
        assert_eq!(refusal.field(), "host");
        assert!(refusal.to_string().contains("U+0000"), "{refusal}");
    }

    proptest! {
        #[test]
        fn printable_text_within_the_limit_passes(value in "[^\\p{Cc}]{0,200}") {
            prop_assert_eq!(check_free_text("name", &value, NAME_MAX), Ok(()));
        }

        #[test]
        fn any_control_character_anywhere_is_refused(
            before in "[^\\p{Cc}]{0,20}",
            control in "\\p{Cc}",
            after in "[^\\p{Cc}]{0,20}",
        ) {
            let value = format!("{before}{control}{after}");
            let refused = matches!(
                check_free_text("name", &value, NAME_MAX),
                Err(TextRefusal::ControlCharacter { .. })
            );
            prop_assert!(refused);
        }
    }
}
