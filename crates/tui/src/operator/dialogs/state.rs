//! The operator views' dialogs as data (a new account's form, an API key's secret shown
//! once): what the model holds, importing nothing of the console but its leaves.

use entitle_domain::api::AccountInput;
use entitle_domain::{AccountKind, Region};

use crate::remote::RequestId;

/// The longest account name the server takes.
pub const NAME_MAX: usize = 200;

/// A dialog of the operator views.
#[derive(Debug, Clone)]
pub enum Dialog {
    NewAccount(NewAccount),
    Secret(Secret),
}

impl Dialog {
    /// Whether it takes free text (so `?` is typed, and F1 opens the help).
    pub fn takes_text(&self) -> bool {
        matches!(self, Dialog::NewAccount(_))
    }
}

/// The new account form's fields, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    #[default]
    Name,
    Kind,
    Region,
    Create,
}

impl Field {
    const ORDER: [Field; 4] = [Field::Name, Field::Kind, Field::Region, Field::Create];

    pub fn moved(self, by: isize) -> Field {
        let at = Field::ORDER.iter().position(|f| *f == self).unwrap_or(0) as isize;
        Field::ORDER[(at + by).rem_euclid(Field::ORDER.len() as isize) as usize]
    }
}

/// Creating an account: its kind and region are chosen now for good (DESIGN.md §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub name: String,
    pub kind: AccountKind,
    pub region: Region,
    pub focus: Field,
    /// The creation on its way.
    pub pending: Option<RequestId>,
    /// Why the last try was refused.
    pub error: Option<String>,
}

impl Default for NewAccount {
    fn default() -> Self {
        NewAccount {
            name: String::new(),
            kind: AccountKind::Individual,
            region: Region::Cn,
            focus: Field::Name,
            pending: None,
            error: None,
        }
    }
}

impl NewAccount {
    /// The focused choice, turned to its other value.
    pub fn choose(&mut self) {
        match self.focus {
            Field::Kind => {
                self.kind = match self.kind {
                    AccountKind::Individual => AccountKind::Enterprise,
                    AccountKind::Enterprise => AccountKind::Individual,
                }
            }
            Field::Region => {
                self.region = match self.region {
                    Region::Cn => Region::Intl,
                    Region::Intl => Region::Cn,
                }
            }
            Field::Name | Field::Create => {}
        }
    }

    /// The account the form asks for, or what is missing.
    pub fn input(&self) -> Result<AccountInput, &'static str> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("Type the account's name");
        }
        Ok(AccountInput {
            name: name.to_owned(),
            kind: self.kind,
            region: self.region,
            email: None,
            language: None,
        })
    }
}

/// A new API key's secret: shown this once (the server keeps only its hash).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// Whose key it is.
    pub account: String,
    pub prefix: String,
    pub key: String,
    pub copied: bool,
}

/// Never the secret in a log line.
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("account", &self.account)
            .field("prefix", &self.prefix)
            .field("key", &"<secret>")
            .field("copied", &self.copied)
            .finish()
    }
}
