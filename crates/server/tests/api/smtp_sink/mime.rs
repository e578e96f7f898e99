//! Just enough MIME to read what the sink received: headers (unfolded), RFC 2047 encoded-words,
//! multipart bodies, base64 and quoted-printable.

/// An entity's header section and body (split at the first empty line).
fn split_entity(entity: &str) -> (&str, &str) {
    if let Some(body) = entity
        .strip_prefix("\r\n")
        .or_else(|| entity.strip_prefix('\n'))
    {
        return ("", body);
    }
    if let Some(at) = entity.find("\r\n\r\n") {
        return (&entity[..at], &entity[at + 4..]);
    }
    match entity.find("\n\n") {
        Some(at) => (&entity[..at], &entity[at + 2..]),
        None => (entity, ""),
    }
}

/// The value of the first header `name` (case-insensitive) in a header section, unfolded.
fn header_in(head: &str, name: &str) -> Option<String> {
    let mut found: Option<String> = None;
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            if let Some(value) = found.as_mut() {
                value.push_str(line);
            }
        } else if found.is_some() {
            break;
        } else if let Some((field, value)) = line.split_once(':')
            && field.trim().eq_ignore_ascii_case(name)
        {
            found = Some(value.to_owned());
        }
    }
    found.map(|value| value.trim().to_owned())
}

/// The value of the first header `name` of a whole message (or part).
pub fn header(entity: &str, name: &str) -> Option<String> {
    header_in(split_entity(entity).0, name)
}

/// A parameter of a structured header value (`boundary` of `multipart/mixed; boundary="x"`).
fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|piece| {
        let (key, val) = piece.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| val.trim().trim_matches('"').to_owned())
    })
}

/// The bodies of a multipart entity's parts (each with its own headers), without the CRLF
/// that belongs to the next delimiter.
fn split_multipart<'a>(body: &'a str, boundary: &str) -> Vec<&'a str> {
    let open = format!("--{boundary}");
    let close = format!("--{boundary}--");
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = 0;
    for line in body.split_inclusive('\n') {
        let line_start = pos;
        pos += line.len();
        let trimmed = line.trim_end();
        if trimmed != open && trimmed != close {
            continue;
        }
        if let Some(from) = start {
            let before = &body[from..line_start];
            let content = before
                .strip_suffix("\r\n")
                .or_else(|| before.strip_suffix('\n'))
                .unwrap_or(before);
            parts.push(content);
        }
        if trimmed == close {
            break;
        }
        start = Some(pos);
    }
    parts
}

/// The decoded body of the first leaf part whose Content-Type starts with `wanted`.
pub fn find_part(entity: &str, wanted: &str) -> Option<Vec<u8>> {
    let (head, body) = split_entity(entity);
    let content_type = header_in(head, "Content-Type").unwrap_or_else(|| "text/plain".into());
    let lower = content_type.to_ascii_lowercase();
    if lower.starts_with("multipart/") {
        let boundary = param(&content_type, "boundary")?;
        return split_multipart(body, &boundary)
            .into_iter()
            .find_map(|child| find_part(child, wanted));
    }
    if !lower.starts_with(&wanted.to_ascii_lowercase()) {
        return None;
    }
    let encoding = header_in(head, "Content-Transfer-Encoding").unwrap_or_default();
    Some(match encoding.to_ascii_lowercase().as_str() {
        "base64" => base64(body),
        "quoted-printable" => quoted_printable(body),
        _ => body.as_bytes().to_vec(),
    })
}

/// Standard-alphabet base64; whitespace (and anything outside the alphabet) is skipped, `=`
/// ends it.
pub fn base64(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Quoted-printable: `=XX` is a byte, `=` at the end of a line a soft line break.
pub fn quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let rest = &bytes[i + 1..];
            if rest.starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if rest.starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let [h, l, ..] = rest
                && let (Some(h), Some(l)) = (hex(*h), hex(*l))
            {
                out.push((h << 4) | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Bytes in a charset, as text (UTF-8 unless Latin-1 is named).
fn charset_text(charset: &str, bytes: &[u8]) -> String {
    let charset = charset.split('*').next().unwrap_or(charset);
    if charset.eq_ignore_ascii_case("iso-8859-1") || charset.eq_ignore_ascii_case("latin1") {
        bytes.iter().map(|&b| b as char).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// One encoded-word after its `=?`: its length from the `=?`, its charset and decoded bytes.
fn parse_word(inner: &str) -> Option<(usize, &str, Vec<u8>)> {
    let (charset, rest) = inner.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let text = &rest[..end];
    let bytes = match encoding {
        "b" | "B" => base64(text),
        "q" | "Q" => quoted_printable(&text.replace('_', " ")),
        _ => return None,
    };
    if charset.is_empty() || charset.contains(char::is_whitespace) {
        return None;
    }
    let len = 2 + charset.len() + 1 + encoding.len() + 1 + end + 2;
    Some((len, charset, bytes))
}

/// The first encoded-word `=?charset?b|q?text?=` in `s`: where it starts and ends, its charset
/// and decoded bytes.
fn encoded_word(s: &str) -> Option<(usize, usize, &str, Vec<u8>)> {
    let mut from = 0;
    while let Some(at) = s[from..].find("=?").map(|at| from + at) {
        if let Some((len, charset, bytes)) = parse_word(&s[at + 2..]) {
            return Some((at, at + len, charset, bytes));
        }
        from = at + 2;
    }
    None
}

/// A header value with its RFC 2047 encoded-words decoded; whitespace between adjacent words
/// is dropped and their bytes joined before decoding (a character may span two words).
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    // The charset and bytes of the encoded-words since the last plain text.
    let mut pending: Option<(String, Vec<u8>)> = None;
    let mut rest = value;
    while let Some((start, end, charset, bytes)) = encoded_word(rest) {
        let between = &rest[..start];
        if !between.trim().is_empty()
            && let Some((cs, buf)) = pending.take()
        {
            out.push_str(&charset_text(&cs, &buf));
        }
        if pending.is_none() {
            out.push_str(between);
        }
        let same = matches!(&pending, Some((cs, _)) if cs.eq_ignore_ascii_case(charset));
        if same {
            pending.as_mut().expect("pending").1.extend(bytes);
        } else if let Some((cs, buf)) = pending.replace((charset.to_owned(), bytes)) {
            out.push_str(&charset_text(&cs, &buf));
        }
        rest = &rest[end..];
    }
    if let Some((cs, buf)) = pending {
        out.push_str(&charset_text(&cs, &buf));
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoders() {
        assert_eq!(base64("SGVs\r\nbG8=\r\n"), b"Hello");
        assert_eq!(base64("YQ=="), b"a");
        assert_eq!(quoted_printable("a=3Db=\r\nc=C3=A4=\n"), "a=bcä".as_bytes());
        assert_eq!(decode_words("plain"), "plain");
        assert_eq!(decode_words("=?UTF-8?B?w6Q=?= =?utf-8?b?w7Y=?= x"), "äö x");
        // One character split over two words.
        assert_eq!(decode_words("=?utf-8?b?4oI=?=\t=?utf-8?b?rA==?="), "€");
        assert_eq!(
            decode_words("Re: =?iso-8859-1?q?caf=E9?= ok"),
            "Re: café ok"
        );
        assert_eq!(
            header("A: 1\r\nsubject: x\r\n  y\r\nB: 2\r\n\r\nbody", "Subject").as_deref(),
            Some("x  y")
        );
    }
}
