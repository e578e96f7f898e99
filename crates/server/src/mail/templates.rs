//! The messages' templates (`crates/server/templates/mail/`): per kind and language a subject
//! line, a text body and an HTML body (which extends the language's `base`), rendered with
//! minijinja. HTML escapes what it is given; text and subject do not.

use std::sync::OnceLock;

use entitle_domain::mail::{Language, MessageKind};
use minijinja::Environment;

use crate::error::{ServiceError, ServiceResult};

/// Every template file, by name, compiled into the binary.
macro_rules! templates {
    ($($kind:literal),*) => {
        &[
            ("base.en.html", include_str!("../../templates/mail/base.en.html")),
            ("base.zh_hans.html", include_str!("../../templates/mail/base.zh_hans.html")),
            $(
                (concat!($kind, ".en.subject"), include_str!(concat!("../../templates/mail/", $kind, ".en.subject"))),
                (concat!($kind, ".en.txt"), include_str!(concat!("../../templates/mail/", $kind, ".en.txt"))),
                (concat!($kind, ".en.html"), include_str!(concat!("../../templates/mail/", $kind, ".en.html"))),
                (concat!($kind, ".zh_hans.subject"), include_str!(concat!("../../templates/mail/", $kind, ".zh_hans.subject"))),
                (concat!($kind, ".zh_hans.txt"), include_str!(concat!("../../templates/mail/", $kind, ".zh_hans.txt"))),
                (concat!($kind, ".zh_hans.html"), include_str!(concat!("../../templates/mail/", $kind, ".zh_hans.html"))),
            )*
        ]
    };
}

const FILES: &[(&str, &str)] = templates!(
    "payment_received",
    "renewal_due",
    "renewal_charged",
    "renewal_failed",
    "expiry_reminder",
    "expired",
    "invoice_issued"
);

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // A value a message's facts lack renders as nothing rather than failing the message:
        // every optional fact is guarded in the templates, and a test renders every kind.
        for (name, source) in FILES {
            if let Err(err) = env.add_template(name, source) {
                tracing::error!(template = name, error = %err, "a mail template does not parse");
            }
        }
        env
    })
}

fn render(name: &str, context: &serde_json::Value) -> ServiceResult<String> {
    environment()
        .get_template(name)
        .and_then(|template| template.render(minijinja::value::Serde(context)))
        .map_err(|e| ServiceError::Internal(format!("mail template {name}: {e}")))
}

/// The subject line of a `kind` message in `language`, given its facts.
pub fn subject(
    kind: MessageKind,
    language: Language,
    context: &serde_json::Value,
) -> ServiceResult<String> {
    Ok(render(&format!("{kind}.{language}.subject"), context)?
        .trim()
        .to_owned())
}

/// The text and HTML bodies of a `kind` message in `language`.
pub fn bodies(
    kind: MessageKind,
    language: Language,
    context: &serde_json::Value,
) -> ServiceResult<(String, String)> {
    Ok((
        render(&format!("{kind}.{language}.txt"), context)?,
        render(&format!("{kind}.{language}.html"), context)?,
    ))
}

#[cfg(test)]
mod tests {
    use entitle_domain::mail::{Language, MessageKind};
    use serde_json::json;
    use strum::IntoEnumIterator;

    use super::{FILES, bodies, environment, subject};

    /// Facts as the outbox gathers them, every optional one present.
    fn facts() -> serde_json::Value {
        json!({
            "account": { "name": "Acme <Shanghai>" },
            "language": "en",
            "order": { "id": "0192f0c1-0000-7000-8000-000000000001", "product": "dr", "product_name": "DR License",
                       "quantity": 3, "total": "5970.00", "currency": "CNY", "cycle": "year", "type": "purchase" },
            "licenses": [{ "key": "ENT-AAAA-<b>", "product_name": "DR License", "valid_until": "2027-12-03T10:00:00Z" }],
            "subscription": { "product_name": "DR License", "quantity": 3, "cycle": "year",
                              "current_period_end": "2027-12-03T10:00:00Z" },
            "pay_before": "2027-12-08T10:00:00Z",
            "pay_link": "https://licenses.example/mail/pay/1",
            "failed_charges": 2,
            "next_retry_at": "2027-12-06T10:00:00Z",
            "reason": null,
            "subject": { "product_name": "DR License", "key": null },
            "ends_at": "2027-12-03T10:00:00Z",
            "ended_at": "2027-12-03T10:00:00Z",
            "days_before": 7,
            "invoice": { "number": "2027-VAT-000001", "series": "VAT", "total": "5970.00", "currency": "CNY",
                         "issued_at": "2027-12-07T02:00:00Z", "title": "Acme" },
        })
    }

    #[test]
    fn every_template_parses() {
        for (name, _) in FILES {
            assert!(environment().get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn every_kind_renders_in_both_languages_with_its_facts_and_html_escaped() {
        for kind in MessageKind::iter() {
            for language in [Language::En, Language::ZhHans] {
                let line = subject(kind, language, &facts()).expect("subject");
                assert!(
                    !line.is_empty() && !line.contains('\n'),
                    "{kind} {language}: {line:?}"
                );
                let (text, html) = bodies(kind, language, &facts()).expect("bodies");
                assert!(
                    text.contains("Acme <Shanghai>"),
                    "text unescaped: {kind} {language}"
                );
                assert!(
                    html.contains("Acme &lt;Shanghai&gt;"),
                    "html escaped: {kind} {language}"
                );
                assert!(
                    !html.contains("<b>"),
                    "no markup from the facts: {kind} {language}"
                );
            }
        }
    }

    #[test]
    fn the_amounts_and_links_are_in_the_messages_that_carry_them() {
        let (text, _) =
            bodies(MessageKind::PaymentReceived, Language::En, &facts()).expect("bodies");
        assert!(
            text.contains("5970.00") && text.contains("ENT-AAAA-<b>"),
            "{text}"
        );
        let (text, html) =
            bodies(MessageKind::RenewalDue, Language::ZhHans, &facts()).expect("bodies");
        assert!(
            text.contains("https://licenses.example/mail/pay/1"),
            "{text}"
        );
        // Escaped for HTML as minijinja escapes (`/` too), which a browser reads back.
        assert!(
            html.contains("https:&#x2f;&#x2f;licenses.example&#x2f;mail&#x2f;pay&#x2f;1"),
            "{html}"
        );
        let (text, _) = bodies(MessageKind::InvoiceIssued, Language::En, &facts()).expect("bodies");
        assert!(text.contains("2027-VAT-000001"), "{text}");
    }
}
