//! What customers are told by email (issue 21): the billing contact an account gives, the
//! language it is written to in, which moments send which message, and how a message that
//! could not be handed to the mail server is retried.

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::region::Region;
use crate::stored::stored_enum;
use crate::webhooks::backoff;

/// The longest address SMTP carries (RFC 5321: a 254-character path).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Attempts to hand a message to the mail server before it is marked failed.
pub const MAX_SEND_ATTEMPTS: u32 = 6;

/// Why a billing contact was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    #[error("an email address has at most {MAX_EMAIL_CHARS} characters")]
    TooLong,
    #[error("`{0}` is not an email address (name@example.com)")]
    Malformed(String),
}

/// A billing contact's address, checked as far as a mail server would take it: one `@`, a
/// local part of at most 64 characters, a domain of dot-separated labels (letters, digits,
/// hyphens, no label starting or ending with a hyphen) with at least one dot, no spaces or
/// control characters. Whether the mailbox exists only delivery can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// `text`, trimmed, if it is an address.
    pub fn parse(text: &str) -> Result<Email, EmailError> {
        let text = text.trim();
        if text.chars().count() > MAX_EMAIL_CHARS {
            return Err(EmailError::TooLong);
        }
        let malformed = || EmailError::Malformed(text.to_owned());
        let (local, domain) = text.split_once('@').ok_or_else(malformed)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Email(text.to_owned()))
        } else {
            Err(malformed())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

stored_enum! {
    "snake_case";
    /// The language an account's messages are written in.
    pub enum Language {
        /// English.
        En,
        /// Simplified Chinese.
        ZhHans,
    }
}

impl Language {
    /// The language of a region's accounts unless they chose one: `cn` → Simplified Chinese,
    /// `intl` → English.
    pub fn of_region(region: Region) -> Language {
        match region {
            Region::Cn => Language::ZhHans,
            Region::Intl => Language::En,
        }
    }
}

stored_enum! {
    "snake_case";
    /// What a message tells the customer.
    pub enum MessageKind {
        /// A payment landed: what was bought, the amount, the licenses and their expiry.
        PaymentReceived,
        /// A renewal the customer pays (pay to renew): the amount, the period, the pay link.
        RenewalDue,
        /// A renewal charged to the saved method.
        RenewalCharged,
        /// A renewal charge failed: why, when it is retried, a pay link.
        RenewalFailed,
        /// A license expires in 30, 7 or 1 days.
        ExpiryReminder,
        /// A subscription or license expired.
        Expired,
        /// An invoice was issued: its number and amount, the PDF attached.
        InvoiceIssued,
    }
}

stored_enum! {
    "snake_case";
    /// Where a message stands.
    pub enum MessageStatus {
        /// Waiting to be sent (or retried).
        Pending,
        /// The mail server took it.
        Sent,
        /// Every attempt failed; an admin may resend it.
        Failed,
        /// Kept and shown, not sent: a test-mode server without SMTP.
        Kept,
    }
}

/// The message an event sends its account, if any: the moments DESIGN.md names a customer
/// must hear about. An order paid is a renewal charged when the order is a renewal's.
pub fn message_for_event(kind: &str, order_type: Option<&str>) -> Option<MessageKind> {
    match kind {
        "order.paid" if order_type == Some("renewal") => Some(MessageKind::RenewalCharged),
        "order.paid" => Some(MessageKind::PaymentReceived),
        "subscription.renewal_due" => Some(MessageKind::RenewalDue),
        "subscription.past_due" => Some(MessageKind::RenewalFailed),
        "license.expiring" => Some(MessageKind::ExpiryReminder),
        "subscription.expired" | "license.expired" => Some(MessageKind::Expired),
        _ => None,
    }
}

/// What a failed attempt (the `attempts`-th) makes of a message at `now`: retried after the
/// webhooks' backoff (10 s doubling), or failed for good after [`MAX_SEND_ATTEMPTS`].
pub fn after_failed_send(
    attempts: u32,
    now: DateTime<Utc>,
) -> (MessageStatus, Option<DateTime<Utc>>) {
    if attempts >= MAX_SEND_ATTEMPTS {
        (MessageStatus::Failed, None)
    } else {
        (MessageStatus::Pending, Some(now + backoff(attempts)))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn addresses_a_mail_server_takes_and_those_it_does_not() {
        for good in [
            "a@example.com",
            " billing+dr@sub.example.co.uk ",
            "x_y.z@a-b.cn",
        ] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        assert_eq!(
            Email::parse(" a@example.com ").map(|e| e.0),
            Ok("a@example.com".into())
        );
        for bad in [
            "",
            "a",
            "a@",
            "@example.com",
            "a@example",
            "a@@example.com",
            "a b@example.com",
            "a@exa mple.com",
            "a@-example.com",
            "a@example-.com",
            ".a@example.com",
            "a..b@example.com",
            "a@example..com",
            "a@exam\nple.com",
            "a\u{7}@example.com",
        ] {
            assert!(
                matches!(Email::parse(bad), Err(EmailError::Malformed(_))),
                "{bad:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn a_region_writes_in_its_language() {
        assert_eq!(Language::of_region(Region::Cn), Language::ZhHans);
        assert_eq!(Language::of_region(Region::Intl), Language::En);
    }

    #[test]
    fn the_moments_a_customer_hears_about() {
        assert_eq!(
            message_for_event("order.paid", Some("purchase")),
            Some(MessageKind::PaymentReceived)
        );
        assert_eq!(
            message_for_event("order.paid", Some("renewal")),
            Some(MessageKind::RenewalCharged)
        );
        assert_eq!(
            message_for_event("subscription.renewal_due", None),
            Some(MessageKind::RenewalDue)
        );
        assert_eq!(
            message_for_event("subscription.past_due", None),
            Some(MessageKind::RenewalFailed)
        );
        assert_eq!(
            message_for_event("license.expiring", None),
            Some(MessageKind::ExpiryReminder)
        );
        assert_eq!(
            message_for_event("subscription.expired", None),
            Some(MessageKind::Expired)
        );
        assert_eq!(message_for_event("order.expired", None), None);
        assert_eq!(message_for_event("license.consumed", None), None);
    }

    #[test]
    fn a_failed_send_is_retried_with_backoff_then_fails() {
        let now = DateTime::UNIX_EPOCH;
        assert_eq!(
            after_failed_send(1, now),
            (MessageStatus::Pending, Some(now + Duration::seconds(10)))
        );
        assert_eq!(
            after_failed_send(2, now),
            (MessageStatus::Pending, Some(now + Duration::seconds(20)))
        );
        assert_eq!(
            after_failed_send(MAX_SEND_ATTEMPTS, now),
            (MessageStatus::Failed, None)
        );
    }
}
