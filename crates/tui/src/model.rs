//! The console's state: the account shown, each view's data (an operator view's and the
//! machines' from their own `state` modules, the licenses table's from
//! `account::licenses::table`), the dialogs open, the status line. The messages that change it and the commands it asks of the runtime are in
//! [`messages`].

use chrono::{DateTime, Utc};
use entitle_domain::api::{
    Account, AccountSummary, Invoice, License, Order, OrderRequest, ProductView, Subscription,
};
use uuid::Uuid;

use crate::account::licenses::table::LicenseTable;
use crate::invoice_form::InvoiceForm;
use crate::machines::state::{ExportForm, Machines};
use crate::operator::dialogs::state::Dialog;
use crate::operator::state::Operator;
use crate::operator::view::View;
use crate::operator::wire::Confirmed;
use crate::paged::Paged;
use crate::remote::{Cursor, Remote, RequestId};
use crate::theme::Theme;
use crate::wizard::Wizard;

mod messages;
pub use messages::{Command, Msg, Reply, Request};

/// The views, switched with `1`…`6` (an admin's operator views with `7`…`0`), Tab and
/// Shift-Tab, or `:name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Home,
    Licenses,
    Subscriptions,
    Orders,
    Invoices,
    Catalog,
    /// A view of the vendor's operators, shown only with an admin key.
    Operator(View),
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Home,
        Tab::Licenses,
        Tab::Subscriptions,
        Tab::Orders,
        Tab::Invoices,
        Tab::Catalog,
    ];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Home => "Home",
            Tab::Licenses => "Licenses",
            Tab::Subscriptions => "Subscriptions",
            Tab::Orders => "Orders",
            Tab::Invoices => "Invoices",
            Tab::Catalog => "Catalog",
            Tab::Operator(view) => view.title(),
        }
    }

    /// The `:` command that jumps to it.
    pub fn command(self) -> &'static str {
        match self {
            Tab::Home => "home",
            Tab::Licenses => "licenses",
            Tab::Subscriptions => "subs",
            Tab::Orders => "orders",
            Tab::Invoices => "invoices",
            Tab::Catalog => "catalog",
            Tab::Operator(view) => view.command(),
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    /// The key that selects it, as its label on the tab line shows it.
    pub fn key(self) -> Option<char> {
        match self {
            Tab::Operator(view) => view.key(),
            tab => char::from_digit(tab.index() as u32 + 1, 10),
        }
    }

    /// The tabs a console shows: the account's, then an admin's operator views.
    pub fn shown(admin: bool) -> Vec<Tab> {
        let mut tabs = Tab::ALL.to_vec();
        if admin {
            tabs.extend(View::ALL.map(Tab::Operator));
        }
        tabs
    }

    /// The tab `by` places after this one (before it when negative), round the tabs shown.
    pub fn step(self, admin: bool, by: isize) -> Tab {
        let tabs = Tab::shown(admin);
        let at = tabs.iter().position(|t| *t == self).unwrap_or(0) as isize;
        tabs[(at + by).rem_euclid(tabs.len() as isize) as usize]
    }
}

/// A change the operator must confirm; the dialog's default is Cancel and only `y` confirms.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Consume(Uuid),
    Activate(Uuid, String),
    Deactivate(Uuid),
    SetAutoRenew(Uuid, bool),
    CancelOrder(Uuid),
    /// Create the order and continue on the third-party payment platform.
    PlaceOrder {
        key: String,
        request: OrderRequest,
    },
    /// An operator's action (run a job, create an API key).
    Operator(Confirmed),
}

/// A confirmation dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub action: Action,
}

/// Following an order from "Subscribe Now" to paid (or expired, canceled, failed).
#[derive(Debug, Clone, Default)]
pub struct PaymentWatch {
    /// Known once the order is created.
    pub order: Option<Order>,
    /// Why the browser was not opened, if it was not: the URL is then shown to copy.
    pub not_opened: Option<String>,
    /// Whether the browser was launched.
    pub opened: bool,
    pub poll: Option<RequestId>,
    pub error: Option<String>,
    pub copied: bool,
}

/// Whatever is drawn over the current view; Esc closes the top one.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help,
    /// The `:` command line.
    Command(String),
    Confirm(Confirm),
    Detail(License),
    /// Asking for the host to activate a license on.
    HostInput {
        license: Uuid,
        host: String,
    },
    Wizard(Box<Wizard>),
    Payment(Box<PaymentWatch>),
    InvoiceForm(Box<InvoiceForm>),
    /// Asking for an air-gapped host to activate a license on and write its file (`e`).
    ExportFile(Box<ExportForm>),
    /// A dialog of the operator views (a new account, an API key's secret).
    Operator(Box<Dialog>),
}

impl Overlay {
    /// Whether the dialog takes free text, so that `?` is typed rather than opening the
    /// help (F1 opens it from there).
    pub fn takes_text(&self) -> bool {
        matches!(
            self,
            Overlay::Command(_)
                | Overlay::HostInput { .. }
                | Overlay::InvoiceForm(_)
                | Overlay::ExportFile(_)
        ) || matches!(self, Overlay::Operator(dialog) if dialog.takes_text())
    }
}

/// How serious a status-line message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Error,
}

/// The whole console.
#[derive(Debug, Clone)]
pub struct Model {
    pub account: Account,
    pub server: String,
    pub theme: Theme,
    pub tab: Tab,
    pub summary: Remote<AccountSummary>,
    pub licenses: LicenseTable,
    pub subscriptions: Remote<Vec<Subscription>>,
    pub subscription_cursor: Cursor,
    pub orders: Remote<Vec<Order>>,
    pub order_cursor: Cursor,
    /// Paged like the licenses: loaded as the selection nears the end.
    pub invoices: Paged<Invoice>,
    pub catalog: Remote<Vec<ProductView>>,
    pub catalog_cursor: Cursor,
    /// `s` was pressed before the catalog arrived: the subscribe wizard opens when it does,
    /// rather than asking the operator to press it again.
    pub purchase_waiting: bool,
    /// The open license's machines, and Home's stale license files.
    pub machines: Machines,
    /// The operator views' state (an admin key's).
    pub operator: Operator,
    pub overlays: Vec<Overlay>,
    pub message: Option<(String, Level)>,
    /// Licenses granted by the payment just received, shown highlighted.
    pub fresh_order: Option<Uuid>,
    /// A payment still followed after its dialog was closed.
    pub background: Option<PaymentWatch>,
    pub next_request: RequestId,
    pub now: DateTime<Utc>,
    pub tick: u64,
    /// Rows the tables can show, from the terminal's height.
    pub page_size: usize,
    /// The terminal's width, for mouse clicks on the tab line.
    pub width: u16,
    pub mouse: bool,
    pub can_launch_browser: bool,
    /// The key is an admin's: the sandbox clock and the jobs are at hand (`:advance`, `:run`).
    pub admin: bool,
    /// The server runs in test mode: the header says SANDBOX.
    pub sandbox: bool,
    pub quit: bool,
}

impl Model {
    /// A console for `account` on `server`, nothing loaded yet.
    pub fn new(account: Account, server: &str, theme: Theme, now: DateTime<Utc>) -> Self {
        Model {
            account,
            server: server.to_owned(),
            theme,
            tab: Tab::Home,
            summary: Remote::default(),
            licenses: LicenseTable::default(),
            subscriptions: Remote::default(),
            subscription_cursor: Cursor::default(),
            orders: Remote::default(),
            order_cursor: Cursor::default(),
            invoices: Paged::default(),
            catalog: Remote::default(),
            catalog_cursor: Cursor::default(),
            purchase_waiting: false,
            machines: Machines::default(),
            operator: Operator::default(),
            overlays: Vec::new(),
            message: None,
            fresh_order: None,
            background: None,
            next_request: 1,
            now,
            tick: 0,
            page_size: 20,
            width: 100,
            mouse: true,
            can_launch_browser: false,
            admin: false,
            sandbox: false,
            quit: false,
        }
    }

    /// The name of the product `code`, from the catalog (the code until it is loaded).
    pub fn product_name<'a>(&'a self, code: &'a str) -> &'a str {
        crate::names::product(self.catalog.data.as_deref(), code)
    }

    /// Puts `text` on the status line.
    pub fn say(&mut self, text: impl Into<String>, level: Level) {
        self.message = Some((text.into(), level));
    }

    /// Puts a refusal of the domain's (a lower-case clause, as the API words it) on the status
    /// line as a sentence: asked of the console, the rule says no before the server is asked.
    pub fn say_refusal(&mut self, refusal: impl std::fmt::Display) {
        let text = refusal.to_string();
        let mut chars = text.chars();
        let sentence = match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => text,
        };
        self.say(sentence, Level::Info);
    }

    /// Asks the operator to confirm `action` in a dialog whose default is Cancel.
    pub fn confirm(&mut self, title: impl Into<String>, lines: Vec<String>, action: Action) {
        self.overlays.push(Overlay::Confirm(Confirm {
            title: title.into(),
            lines,
            action,
        }));
    }

    /// A fresh request id.
    pub fn request_id(&mut self) -> RequestId {
        let id = self.next_request;
        self.next_request += 1;
        id
    }

    /// Whether anything is loading, for the spinner.
    pub fn busy(&self) -> bool {
        self.summary.is_loading()
            || self.licenses.list.page.is_loading()
            || self.subscriptions.is_loading()
            || self.orders.is_loading()
            || self.invoices.page.is_loading()
            || self.catalog.is_loading()
            || self.machines.is_loading()
            || self.operator.is_loading()
            || self.overlays.iter().any(|o| match o {
                Overlay::Wizard(w) => w.quote.is_loading(),
                Overlay::Payment(p) => p.poll.is_some(),
                Overlay::ExportFile(form) => form.pending.is_some(),
                _ => false,
            })
    }
}
