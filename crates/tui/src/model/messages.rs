//! What comes into the console's loop ([`Msg`]: a key, a tick, a reply) and what goes out of
//! it ([`Command`]: a request for the server, a URL to open, a file to write), with what the
//! server is asked ([`Request`]) and what it answers ([`Reply`]).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use entitle_domain::api::machines::{Activation, Machine, MachineInput, StaleFile};
use entitle_domain::api::{
    AccountSummary, Invoice, InvoicePage, InvoiceRequest, License, LicensePage, Order,
    OrderRequest, ProductView, QuoteRequest, QuoteView, Subscription,
};
use uuid::Uuid;

use crate::operator::wire::{Answer, Ask};
use crate::remote::RequestId;

/// What the server is asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Summary,
    Licenses {
        cursor: Option<String>,
    },
    Subscriptions,
    Orders,
    Invoices {
        cursor: Option<String>,
    },
    Catalog,
    Quote(QuoteRequest),
    RequestInvoice(Uuid, InvoiceRequest),
    PlaceOrder {
        key: String,
        request: OrderRequest,
    },
    Order(Uuid),
    Consume(Uuid),
    Activate(Uuid, String),
    Deactivate(Uuid),
    SetAutoRenew(Uuid, bool),
    CancelOrder(Uuid),
    /// A fresh checkout for an unpaid order, to pay it now (providers' QR codes live minutes).
    ReopenCheckout(Uuid),
    /// The sandbox's Subscribe button, for a console with no browser at hand.
    CompleteSandboxCheckout(String),
    /// Move the sandbox clock by an ISO 8601 duration (admin).
    AdvanceClock(String),
    /// Run a background job now (admin).
    RunJob(String),
    /// A license's machines.
    Machines(Uuid),
    /// The account's machines whose license file a renewal left stale.
    StaleFiles,
    /// Activate a license on a machine (an air-gapped host) for its license file; `key` is
    /// the license's, handed back with the answer to name the file.
    ActivateMachine {
        license: Uuid,
        key: String,
        input: MachineInput,
    },
    /// What an operator view asks (admin).
    Operator(Ask),
}

/// What the server answered.
#[derive(Debug, Clone)]
pub enum Reply {
    Summary(AccountSummary),
    Licenses(LicensePage),
    Subscriptions(Vec<Subscription>),
    Orders(Vec<Order>),
    Invoices(InvoicePage),
    Invoice(Invoice),
    Catalog(Vec<ProductView>),
    Quote(QuoteView),
    Order(Order),
    /// An unpaid order with a fresh checkout: the payment dialog opens on it.
    Checkout(Order),
    License(License),
    Subscription(Subscription),
    /// Something done that the status line reports.
    Note(String),
    Done,
    Machines(Vec<Machine>),
    StaleFiles(Vec<StaleFile>),
    /// A machine activated with its license file, for the license with this key.
    Activation {
        key: String,
        activation: Activation,
    },
    /// The answer to an operator view's request.
    Operator(Answer),
}

/// Something that happened.
// A message is built once and moved once per event; boxing the replies would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Tick(DateTime<Utc>),
    Reply(RequestId, Result<Reply, String>),
    Opened(Result<(), String>),
    /// A license file written, at its absolute path, or why not.
    FileWritten(Result<PathBuf, String>),
}

/// What the runtime does for the model.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Fetch(RequestId, Request),
    OpenUrl(String),
    Copy(String),
    SetMouse(bool),
    /// Write `contents` to the file `name` in the current directory (a license file).
    WriteFile {
        name: String,
        contents: String,
    },
}
