//! Opening the payment page (DESIGN.md §10): over SSH, or with no display, launch nothing —
//! show the URL, copy it with OSC 52, and draw it as a QR code. Otherwise open it, with
//! `$BROWSER` when set (so a test can record the URL), else the desktop's opener.

/// Whether a browser can be launched here.
pub fn can_launch() -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let over_ssh = set("SSH_CONNECTION") || set("SSH_TTY");
    let display = set("DISPLAY") || set("WAYLAND_DISPLAY");
    display && !over_ssh
}

/// Opens `url` in a browser, detached; the error says why not.
pub fn open(url: &str) -> Result<(), String> {
    match std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
    {
        // `$BROWSER` may list several commands separated by ':'; the first is used.
        Some(browser) => {
            let command = browser
                .split(':')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            open::with_detached(url, command).map_err(|e| e.to_string())
        }
        None => open::that_detached(url).map_err(|e| e.to_string()),
    }
}

/// The OSC 52 sequence that asks the terminal to put `text` on the clipboard (works over
/// SSH, where no local clipboard tool can).
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

/// `text` as a QR code in half-block characters, or `None` when it does not fit one.
pub fn qr(text: &str) -> Option<Vec<String>> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let drawn = code
        .render::<qrcode::render::unicode::Dense1x2>()
        .quiet_zone(true)
        .build();
    Some(drawn.lines().map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn a_checkout_url_fits_a_qr_code() {
        let lines =
            qr("http://127.0.0.1:8080/sandbox/checkout/01a20ceb-b802-7006-9199-8acceb3feb57")
                .expect("fits");
        assert!(lines.len() > 10);
        assert!(
            lines
                .iter()
                .all(|l| l.chars().count() == lines[0].chars().count())
        );
    }
}
