//! Accounts: who buys.

use crate::stored::stored_enum;

stored_enum! {
    "snake_case";
    /// What an account is, chosen when it registers and never changed (DESIGN.md §2): an
    /// individual account cannot become an enterprise one, it registers anew.
    pub enum AccountKind {
        Individual,
        Enterprise,
    }
}

stored_enum! {
    "snake_case";
    /// What an API key may do (DESIGN.md §7): an admin key acts for the vendor on every account; an
    /// account key for its own account only.
    pub enum KeyRole {
        Admin,
        Account,
    }
}
