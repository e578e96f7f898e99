//! The messages an account was sent (issue 21) on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::nullable::Nullable;
use crate::mail::{Language, MessageKind, MessageStatus};

/// A message to an account's billing contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Message {
    /// The message's id.
    pub id: Uuid,
    /// The account it was written to.
    pub account_id: Uuid,
    /// What it tells.
    pub kind: MessageKind,
    /// Its subject line.
    pub subject: String,
    /// The address it goes to.
    pub to: String,
    /// The language it is written in.
    pub language: Language,
    /// `pending` (waiting or retried), `sent`, `failed` (every attempt failed; an admin may
    /// resend it) or `kept` (a test-mode server without SMTP keeps it unsent).
    pub status: MessageStatus,
    /// Attempts to hand it to the mail server so far.
    pub attempts: u32,
    /// When the mail server took it.
    pub sent_at: Nullable<DateTime<Utc>>,
    /// Its `Message-ID` header, derived from what it reports: a resend is recognisable.
    pub message_id: String,
    /// When it was put in the outbox (with the change it reports).
    pub created_at: DateTime<Utc>,
}

/// One page of an account's messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct MessagePage {
    /// This page's messages, newest first.
    pub items: Vec<Message>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Nullable<String>,
}
