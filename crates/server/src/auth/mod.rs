//! Who is calling (DESIGN.md §7): every API call but the health checks, the spec and the
//! provider callbacks carries `Authorization: Bearer <key>`. An `account` key acts on its own
//! account only; an `admin` key is the vendor's staff. Every principal names the key that
//! acted, so the audit log says which key made a change, not only which role.

pub mod cache;
pub mod keys;
pub mod owned;
pub mod secret;

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};
use crate::problem::ApiError;
use crate::state::AppState;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The vendor's staff: every account, the catalog, the batches.
    Admin,
    /// A customer's key: its own account and nothing else.
    Account(Uuid),
}

/// The longest key prefix kept inline; stored prefixes are 12 characters (see [`keys`]).
const PREFIX_CAPACITY: usize = 16;

/// A key's visible prefix, held inline so that a [`Principal`] stays `Copy` (it is passed by
/// value through every service).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyPrefix {
    len: u8,
    bytes: [u8; PREFIX_CAPACITY],
}

impl KeyPrefix {
    /// `text`, cut at a character boundary if it is longer than a stored prefix can be.
    pub fn new(text: &str) -> Self {
        let mut end = text.len().min(PREFIX_CAPACITY);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut bytes = [0; PREFIX_CAPACITY];
        bytes[..end].copy_from_slice(&text.as_bytes()[..end]);
        KeyPrefix {
            len: u8::try_from(end).unwrap_or(0),
            bytes,
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::fmt::Debug for KeyPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The key that made a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRef {
    /// The admin key from the configuration (`ENTITLE_BOOTSTRAP_ADMIN_KEY`): it is not stored,
    /// so it has no id; the audit log names it [`KeyRef::BOOTSTRAP`].
    Bootstrap,
    /// A key in the store.
    Stored { id: Uuid, prefix: KeyPrefix },
}

impl KeyRef {
    /// The bootstrap key's stable name in the audit log, in place of a prefix.
    pub const BOOTSTRAP: &'static str = "bootstrap";

    /// The stored key's id; the bootstrap key has none.
    pub fn id(&self) -> Option<Uuid> {
        match self {
            KeyRef::Bootstrap => None,
            KeyRef::Stored { id, .. } => Some(*id),
        }
    }

    /// The key's visible prefix, or [`KeyRef::BOOTSTRAP`].
    pub fn prefix(&self) -> &str {
        match self {
            KeyRef::Bootstrap => KeyRef::BOOTSTRAP,
            KeyRef::Stored { prefix, .. } => prefix.as_str(),
        }
    }
}

/// The caller behind a valid key: what it may do, and which key it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub role: Role,
    pub key: KeyRef,
}

impl Principal {
    /// An admin acting with `key`.
    pub fn admin(key: KeyRef) -> Self {
        Principal {
            role: Role::Admin,
            key,
        }
    }

    /// Account `account_id` acting with `key`.
    pub fn account(account_id: Uuid, key: KeyRef) -> Self {
        Principal {
            role: Role::Account(account_id),
            key,
        }
    }

    /// Whether this is an admin.
    pub fn is_admin(self) -> bool {
        self.role == Role::Admin
    }

    /// The account of an account key; `None` for an admin.
    pub fn account_id(self) -> Option<Uuid> {
        match self.role {
            Role::Admin => None,
            Role::Account(id) => Some(id),
        }
    }

    /// Refuses anyone but an admin.
    pub fn require_admin(self) -> ServiceResult<()> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Account(_) => Err(ServiceError::Forbidden("this operation needs an admin key")),
        }
    }

    /// Refuses a key of another account with `not_found`, so that another account's
    /// existence is never revealed.
    pub fn require_account(self, account_id: Uuid) -> ServiceResult<()> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Account(own) if own == account_id => Ok(()),
            Role::Account(_) => Err(ServiceError::NotFound("account")),
        }
    }

    /// Refuses a key of another account reaching `what` owned by `account_id` with
    /// `not_found` for that thing, so its existence is never revealed.
    pub fn require_owner(self, account_id: Uuid, what: &'static str) -> ServiceResult<()> {
        self.require_account(account_id)
            .map_err(|_| ServiceError::NotFound(what))
    }
}

/// An API key, sent as a bearer token.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", key_name = "Authorization", checker = "authenticate")]
pub struct ApiKey(pub Principal);

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::INTERNAL_SERVER_ERROR))?;
    match keys::principal_for(
        &state.db,
        &state.verified_keys,
        state.bootstrap_admin_hash.as_deref(),
        &bearer.token,
    )
    .await
    {
        Ok(Some(principal)) => Ok(principal),
        // Unknown keys from one address are slowed down once they come too often.
        Ok(None) => match state.limits.bad_key_from(req) {
            Some(wait) => Err(poem::Error::from_response(
                crate::problem::too_many_requests(
                    wait,
                    &format!("too many unknown API keys from this address: retry in {wait} s"),
                ),
            )),
            None => Err(poem::Error::from_status(
                poem::http::StatusCode::UNAUTHORIZED,
            )),
        },
        Err(err) => Err(ApiError::from(err).into()),
    }
}
