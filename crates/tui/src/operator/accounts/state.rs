//! The accounts view's state, as the model holds it.

use entitle_domain::api::AccountOverview;

use crate::filter::Filter;
use crate::paged::Paged;

/// The accounts view's state.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    pub list: Paged<AccountOverview>,
    /// The search, sent as `q` as it is typed.
    pub filter: Filter,
}
