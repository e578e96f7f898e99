//! The text armour around a license file's token.
//!
//! A bare PASETO token is one long line that mail clients, ticket systems and editors wrap or
//! mangle; armour makes the file recognisable, and short lines survive copying by hand into an
//! air-gapped site. Whitespace inside the armour is not significant, so a re-wrapped file
//! still verifies: the signature, not the layout, is what is checked.

use std::fmt;

/// The first line of a license file.
pub const BEGIN: &str = "-----BEGIN ENTITLE LICENSE FILE-----";
/// The last line of a license file.
pub const END: &str = "-----END ENTITLE LICENSE FILE-----";
/// The largest file accepted. Real files are a few KiB; the cap bounds the work done on input
/// that may come from anywhere before its signature is checked.
pub const MAX_FILE_BYTES: usize = 16 * 1024;
/// The length of the armour's inner lines.
const LINE_CHARS: usize = 64;

/// Why a text is not an armoured license file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// The text is larger than [`MAX_FILE_BYTES`].
    TooLarge { bytes: usize },
    /// There is no [`BEGIN`] line.
    MissingBegin,
    /// There is no [`END`] line after the [`BEGIN`] line.
    MissingEnd,
    /// Nothing but whitespace between the two lines.
    Empty,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { bytes } => write!(
                f,
                "the license file is {bytes} bytes, more than the {MAX_FILE_BYTES} accepted"
            ),
            Self::MissingBegin => write!(f, "the text has no `{BEGIN}` line"),
            Self::MissingEnd => write!(f, "the text has no `{END}` line after its BEGIN line"),
            Self::Empty => f.write_str("the license file holds no token"),
        }
    }
}

impl std::error::Error for FileError {}

/// Armours a token: the BEGIN line, the token in lines of 64 characters, the END line, each
/// ending in a newline.
pub fn wrap(token: &str) -> String {
    let mut out = String::with_capacity(BEGIN.len() + END.len() + token.len() * 65 / 64 + 4);
    out.push_str(BEGIN);
    out.push('\n');
    for (i, c) in token.chars().enumerate() {
        if i > 0 && i.is_multiple_of(LINE_CHARS) {
            out.push('\n');
        }
        out.push(c);
    }
    if !token.is_empty() {
        out.push('\n');
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// The token inside the armour, with all whitespace removed. Text before BEGIN and after END
/// (a mail's quoting, a README) is ignored; the size cap applies to the whole text.
pub fn unwrap(text: &str) -> Result<String, FileError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge { bytes: text.len() });
    }
    let (_, after_begin) = text.split_once(BEGIN).ok_or(FileError::MissingBegin)?;
    let (inner, _) = after_begin.split_once(END).ok_or(FileError::MissingEnd)?;
    let token: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
    if token.is_empty() {
        return Err(FileError::Empty);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_in_64_character_lines_and_unwraps() {
        let token = format!("v4.public.{}", "a".repeat(150));
        let file = wrap(&token);
        let lines: Vec<&str> = file.lines().collect();
        assert_eq!(lines.first(), Some(&BEGIN));
        assert_eq!(lines.last(), Some(&END));
        assert_eq!(lines.len(), 2 + 160usize.div_ceil(64));
        assert!(
            lines[1..lines.len() - 1]
                .iter()
                .all(|line| line.len() <= 64)
        );
        assert_eq!(lines[1].len(), 64);
        assert!(file.ends_with('\n'));
        assert_eq!(unwrap(&file), Ok(token));
    }

    #[test]
    fn ignores_surrounding_text_and_rewrapping() {
        let token = "v4.public.abcdefghijklmnop";
        let file = format!(
            "Dear customer,\r\n{BEGIN}\r\nv4.public.abcd\r\n  efgh ijkl\tmnop\n{END}\nthanks"
        );
        assert_eq!(unwrap(&file).as_deref(), Ok(token));
    }

    #[test]
    fn refuses_missing_lines_empty_and_oversized_files() {
        assert_eq!(unwrap("v4.public.abc"), Err(FileError::MissingBegin));
        assert_eq!(
            unwrap(&format!("{BEGIN}\nv4.public.abc\n")),
            Err(FileError::MissingEnd)
        );
        assert_eq!(
            unwrap(&format!("{END}\n{BEGIN}\nabc\n")),
            Err(FileError::MissingEnd)
        );
        assert_eq!(
            unwrap(&format!("{BEGIN}\n \n\t\n{END}\n")),
            Err(FileError::Empty)
        );
        let big = wrap(&"a".repeat(MAX_FILE_BYTES));
        assert_eq!(unwrap(&big), Err(FileError::TooLarge { bytes: big.len() }));
    }
}
