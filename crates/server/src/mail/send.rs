//! The `mail` job (issue 21): every message due is claimed (a conditional update, so of
//! several servers one sends it), rendered, handed to the SMTP server, and marked `sent`, or
//! retried with backoff and marked `failed` after its attempts (`domain::mail`). A server that
//! stops mid-send leaves its claim to lapse; the message is sent again under the same
//! `Message-ID`, so a mail server or reader can tell it is the same message. Without SMTP a
//! test-mode server keeps its messages (`kept`) to be shown; a live one leaves them waiting
//! (it warned at start).

use chrono::{DateTime, Duration, Utc};
use entitle_domain::Clock;
use entitle_domain::mail::{MessageKind, MessageStatus, after_failed_send};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::templates;
use crate::config::Config;
use crate::error::{ServiceError, ServiceResult};
use crate::invoices;
use crate::store::entity::{invoice, message};

/// Messages sent per run; the next run continues.
const BATCH: u64 = 100;
/// How long a claimed message is another server's to send.
const CLAIM: Duration = Duration::minutes(5);

/// The SMTP server messages are handed to, and the sender they are from.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The mailer `smtp_url` names: `smtp://host:port` (STARTTLS when the server offers it),
    /// `smtps://host:port` (implicit TLS); credentials in the URL, or the user in the URL and
    /// the password in `password`.
    pub fn new(smtp_url: &str, password: Option<&str>, from: &str) -> Result<Mailer, String> {
        let url = url_parts(smtp_url)?;
        let tls = TlsParameters::new(url.host.clone()).map_err(|e| e.to_string())?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&url.host)
            .port(url.port)
            .tls(if url.implicit_tls {
                Tls::Wrapper(tls)
            } else {
                Tls::Opportunistic(tls)
            })
            .timeout(Some(std::time::Duration::from_secs(20)));
        if let Some(user) = url.user {
            let secret = url
                .password
                .or(password.map(str::to_owned))
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user, secret));
        }
        Ok(Mailer {
            transport: builder.build(),
            from: from
                .parse()
                .map_err(|e| format!("ENTITLE_MAIL_FROM {from:?}: {e}"))?,
        })
    }
}

struct SmtpUrl {
    host: String,
    port: u16,
    implicit_tls: bool,
    user: Option<String>,
    password: Option<String>,
}

/// The parts of `smtp[s]://[user[:password]@]host[:port]`.
fn url_parts(text: &str) -> Result<SmtpUrl, String> {
    let bad =
        || format!("ENTITLE_SMTP_URL must be smtp://host:port or smtps://host:port, not {text:?}");
    let (implicit_tls, rest) = match text.split_once("://") {
        Some(("smtp", rest)) => (false, rest),
        Some(("smtps", rest)) => (true, rest),
        _ => return Err(bad()),
    };
    let rest = rest.trim_end_matches('/');
    let (credentials, address) = match rest.rsplit_once('@') {
        Some((credentials, address)) => (Some(credentials), address),
        None => (None, rest),
    };
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().map_err(|_| bad())?),
        None => (address, if implicit_tls { 465 } else { 587 }),
    };
    if host.is_empty() {
        return Err(bad());
    }
    let (user, password) = match credentials {
        Some(credentials) => match credentials.split_once(':') {
            Some((user, password)) => (Some(percent_decode(user)), Some(percent_decode(password))),
            None => (Some(percent_decode(credentials)), None),
        },
        None => (None, None),
    };
    Ok(SmtpUrl {
        host: host.to_owned(),
        port,
        implicit_tls,
        user,
        password,
    })
}

/// `%XX` escapes undone (a password in a URL may carry `@` or `:` so).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends what is due; returns how many messages the mail server took (or, without one in
/// test mode, how many were kept).
pub async fn run(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    config: &Config,
    mailer: Option<&Mailer>,
) -> ServiceResult<u64> {
    let now = clock.now();
    let due = message::Entity::find()
        .filter(message::Column::Status.eq(MessageStatus::Pending))
        .filter(message::Column::NextAttemptAt.lte(now))
        .filter(free(now))
        .order_by_asc(message::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let Some(mailer) = mailer else {
        if !config.sandbox {
            return Ok(0);
        }
        let kept = message::Entity::update_many()
            .col_expr(message::Column::Status, Expr::value(MessageStatus::Kept))
            .filter(message::Column::Id.is_in(due.iter().map(|m| m.id)))
            .filter(message::Column::Status.eq(MessageStatus::Pending))
            .exec(db)
            .await?;
        return Ok(kept.rows_affected);
    };
    let mut sent = 0;
    for row in due {
        if !claim(db, row.id, now).await? {
            continue;
        }
        let outcome = send(db, config, mailer, &row).await;
        if record(db, clock, &row, outcome).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Not claimed, or its claim lapsed.
fn free(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(message::Column::ClaimedUntil.is_null())
        .add(message::Column::ClaimedUntil.lt(now))
}

async fn claim(db: &DatabaseConnection, id: Uuid, now: DateTime<Utc>) -> ServiceResult<bool> {
    Ok(message::Entity::update_many()
        .col_expr(message::Column::ClaimedUntil, Expr::value(now + CLAIM))
        .filter(message::Column::Id.eq(id))
        .filter(message::Column::Status.eq(MessageStatus::Pending))
        .filter(free(now))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Renders `row` and hands it to the mail server; why not, when it did not take it.
async fn send(
    db: &DatabaseConnection,
    config: &Config,
    mailer: &Mailer,
    row: &message::Model,
) -> Result<(), String> {
    let mut context: serde_json::Value =
        serde_json::from_str(&row.data).map_err(|e| format!("stored facts: {e}"))?;
    if context["pay_order"].is_string() {
        context["pay_link"] = serde_json::json!(format!(
            "{}/mail/pay/{}",
            config.public_url.trim_end_matches('/'),
            row.id
        ));
    }
    let (text, html) =
        templates::bodies(row.kind, row.language, &context).map_err(|e| e.to_string())?;
    let bodies = MultiPart::alternative()
        .singlepart(SinglePart::plain(text))
        .singlepart(SinglePart::html(html));
    let body = match attachment(db, row).await.map_err(|e| e.to_string())? {
        Some((name, pdf)) => {
            MultiPart::mixed()
                .multipart(bodies)
                .singlepart(Attachment::new(name).body(
                    pdf,
                    ContentType::parse("application/pdf").map_err(|e| e.to_string())?,
                ))
        }
        None => bodies,
    };
    let to: Mailbox = row
        .to_address
        .parse()
        .map_err(|e| format!("the address: {e}"))?;
    let email = lettre::Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()))
        .multipart(body)
        .map_err(|e| e.to_string())?;
    mailer
        .transport
        .send(email)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// An issued invoice's PDF, for its message.
async fn attachment(
    db: &DatabaseConnection,
    row: &message::Model,
) -> ServiceResult<Option<(String, Vec<u8>)>> {
    if row.kind != MessageKind::InvoiceIssued {
        return Ok(None);
    }
    let found = invoice::Entity::find_by_id(row.source_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("invoice"))?;
    let view = invoices::view(&found)?;
    let name = format!("invoice-{}.pdf", view.number.as_deref().unwrap_or("draft"));
    Ok(Some((name, invoices::pdf::render(&view))))
}

/// Records what became of an attempt; `true` when the message was sent.
async fn record(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    row: &message::Model,
    outcome: Result<(), String>,
) -> ServiceResult<bool> {
    let now = clock.now();
    let attempts = row.attempts + 1;
    let update = message::Entity::update_many()
        .col_expr(message::Column::Attempts, Expr::value(attempts))
        .col_expr(
            message::Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(message::Column::Id.eq(row.id));
    let sent = outcome.is_ok();
    let update = match outcome {
        Ok(()) => update
            .col_expr(message::Column::Status, Expr::value(MessageStatus::Sent))
            .col_expr(message::Column::SentAt, Expr::value(now)),
        Err(why) => {
            tracing::warn!(message = %row.id, attempts, error = %why, "a message was not sent");
            let (status, next) =
                after_failed_send(u32::try_from(attempts).unwrap_or(u32::MAX), now);
            update
                .col_expr(message::Column::Status, Expr::value(status))
                .col_expr(message::Column::NextAttemptAt, Expr::value(next))
                .col_expr(message::Column::LastError, Expr::value(why))
        }
    };
    update.exec(db).await?;
    Ok(sent)
}
