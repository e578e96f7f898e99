//! Creating and reading orders (canceling, failing and expiring them: [`super::transitions`];
//! their checkouts: [`super::checkout`]; both answer here too, for the API).
//!
//! Creating an order takes an `Idempotency-Key`: a repeat with the same key and body answers
//! the first order; the same key with another body is refused (`idempotency_key_reused`). The
//! key is unique per account in the store, so two concurrent requests with one key make one
//! order. Decision: a trial is an order too (type `trial`, total 0, created `paid`), so the
//! account's history and audit log show when and how every subscription started.

use chrono::{DateTime, Utc};
use entitle_domain::api::{Order, OrderPage, OrderRequest, TrialOrder};
use entitle_domain::eligibility::check_payment;
use entitle_domain::fulfillment::{auto_renew_choice, check_trial, grant_trial};
use entitle_domain::orders::{
    OrderClaim, OrderStatus, OrderType, customer_idempotency_key, saves_payment_method,
};
use entitle_domain::{Clock, Money, ProductKind, Refusal};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::Config;
use crate::payments::Providers;

pub use super::checkout::reopen_checkout;
use super::checkout::{self, Payable, start_checkout};
use super::transitions::expire;
pub use super::transitions::{cancel, cancel_as, expire_due, mark_failed};
use super::{claims, fulfillment, store};
use crate::accounts::service::{self as accounts, AccountRecord};
use crate::audit::{self, Actor, Change};
use crate::auth::Principal;
use crate::catalog::service as catalog;
use crate::error::{ServiceError, ServiceResult};
use crate::pagination::PageRequest;
use crate::quotes::service as quotes;
use crate::state::AppState;
use crate::store::entity::order;
use crate::subscriptions::store as subscriptions;

/// A fingerprint of the request body as parsed, so that the same order sent with other
/// whitespace or field order is still "the same body".
fn request_hash(request: &OrderRequest) -> ServiceResult<String> {
    let canonical = serde_json::to_vec(request)
        .map_err(|e| ServiceError::Invalid(format!("unreadable order: {e}")))?;
    Ok(hex::encode(Sha256::digest(canonical)))
}

async fn find_by_key(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    key: &str,
) -> ServiceResult<Option<order::Model>> {
    Ok(order::Entity::find()
        .filter(order::Column::AccountId.eq(account_id))
        .filter(order::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// The first answer for a repeated key, or the refusal of a reused one.
async fn replay(
    db: &DatabaseConnection,
    existing: order::Model,
    hash: &str,
) -> ServiceResult<Order> {
    if existing.request_hash.as_deref() != Some(hash) {
        return Err(ServiceError::IdempotencyKeyReused);
    }
    store::load_view(db, existing.id).await
}

/// Creates an order for `account_id` (or, for a trial, starts it at once). It takes the state:
/// an order uses all of it (the store, the clock, the settings, the providers).
pub async fn create(
    state: &AppState,
    principal: Principal,
    account_id: Uuid,
    idempotency_key: &str,
    request: &OrderRequest,
) -> ServiceResult<Order> {
    entitle_domain::text::check_free_text(
        "Idempotency-Key",
        idempotency_key,
        entitle_domain::text::IDEMPOTENCY_KEY_MAX,
    )?;
    request.check_text()?;
    // Its length and characters are checked just above, as every free text's; a key of only
    // spaces is none.
    let key = idempotency_key.trim();
    if key.is_empty() {
        return Err(ServiceError::Invalid(
            "Idempotency-Key must not be blank".to_owned(),
        ));
    }
    let stored = customer_idempotency_key(key);
    let key = stored.as_str();
    let account = accounts::load(&state.db, principal, account_id).await?;
    let hash = request_hash(request)?;
    if let Some(existing) = find_by_key(&state.db, account.id, key).await? {
        return replay(&state.db, existing, &hash).await;
    }
    let ticket = Ticket {
        actor: Actor::from(principal),
        key,
        hash: &hash,
        now: state.clock.now(),
    };
    let created = match request {
        OrderRequest::Trial(trial) => start_trial(&state.db, &account, trial, &ticket).await,
        _ => {
            open_order(
                &state.db,
                state.clock.as_ref(),
                &state.config,
                &state.payments,
                &account,
                request,
                &ticket,
            )
            .await
        }
    };
    match created {
        // Another request with the same key won the race: answer as a repeat of it.
        Err(ServiceError::Store(err)) if crate::store::is_unique_violation(&err) => {
            match find_by_key(&state.db, account.id, key).await? {
                Some(existing) => replay(&state.db, existing, &hash).await,
                None => Err(ServiceError::Store(err)),
            }
        }
        other => other,
    }
}

/// What every new order records about its request.
struct Ticket<'a> {
    actor: Actor,
    key: &'a str,
    hash: &'a str,
    now: DateTime<Utc>,
}

/// A paid order in `pending_payment`, with its checkout session at the provider.
async fn open_order(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    config: &Config,
    payments: &Providers,
    account: &AccountRecord,
    request: &OrderRequest,
    ticket: &Ticket<'_>,
) -> ServiceResult<Order> {
    let (Some(quote_request), Some(payment)) = (request.quote_request(), request.payment()) else {
        return Err(ServiceError::Invalid("this order is not paid".to_owned()));
    };
    let region = account.region;
    check_payment(
        region,
        payment.currency.unwrap_or(region.currency()),
        payment.payment_method,
        &payments.payable(region),
    )?;
    if let Some(url) = &payment.return_url {
        entitle_domain::return_url::check(url, &config.allowed_return_origins)?;
    }
    let quote = quotes::price(db, clock, account, &quote_request).await?;
    let (cycle, periods, auto_renew, subscription_id) = match request {
        OrderRequest::Purchase(purchase) => {
            let product = catalog::named(db, &purchase.item.product).await?;
            let auto_renew = match product.kind {
                ProductKind::Term => Some(auto_renew_choice(&product, purchase.auto_renew)?),
                ProductKind::OneTime => {
                    auto_renew_choice(&product, purchase.auto_renew)?;
                    None
                }
            };
            (purchase.item.cycle, purchase.item.periods, auto_renew, None)
        }
        OrderRequest::Upgrade(upgrade) => (None, 1, None, Some(upgrade.item.subscription_id)),
        OrderRequest::AddSeats(seats) => (None, 1, None, Some(seats.item.subscription_id)),
        OrderRequest::Trial(_) => {
            return Err(ServiceError::Invalid(
                "a trial is started, not paid".to_owned(),
            ));
        }
    };
    let main = quote
        .lines
        .first()
        .ok_or_else(|| ServiceError::Invalid("nothing to order".to_owned()))?;
    let total_minor = quote
        .total
        .to_minor()
        .map_err(|_| Refusal::AmountOutOfRange)?;
    let lines: Vec<_> = entitle_domain::api::QuoteView::new(&quote, &[]).lines;
    let product = catalog::named(db, &main.product.to_string()).await?;
    let claim = OrderClaim::for_order(request.order_type(), &product, subscription_id);
    let family = match claim {
        Some(OrderClaim::Edition { .. }) => catalog::family_codes(db, &product).await?,
        _ => Vec::new(),
    };
    claims::clear_stale(db, clock, account.id, claim.as_ref(), ticket.now).await?;
    claims::check_no_waiting_renewal(db, claim.as_ref()).await?;
    let expires_at = ticket.now + config.order_ttl;
    let order_id = Uuid::now_v7();
    let session_id = Uuid::now_v7();
    // The checkout is started at the provider before anything is stored: a provider that
    // cannot be reached, or whose answer does not verify, leaves nothing payable behind.
    let session = start_checkout(
        payments,
        &Payable {
            order_id,
            amount: quote.total,
            method: payment.payment_method,
            product: &main.product.to_string(),
            saves_method: saves_payment_method(request.order_type(), auto_renew),
        },
        session_id,
        expires_at,
        ticket.now,
    )
    .await?;

    let txn = db.begin().await?;
    let inserted = order::ActiveModel {
        id: Set(order_id),
        account_id: Set(account.id),
        kind: Set(request.order_type()),
        status: Set(OrderStatus::PendingPayment),
        product_code: Set(main.product.to_string()),
        cycle: Set(cycle),
        quantity: Set(to_i32(main.quantity)?),
        periods: Set(to_i32(periods)?),
        subscription_id: Set(subscription_id),
        auto_renew: Set(auto_renew),
        lines: Set(serde_json::to_string(&lines).map_err(|e| ServiceError::Invalid(e.to_string()))?),
        currency: Set(quote.currency),
        total_minor: Set(total_minor),
        payment_method: Set(Some(payment.payment_method)),
        return_url: Set(payment.return_url.clone()),
        idempotency_key: Set(Some(ticket.key.to_owned())),
        request_hash: Set(Some(ticket.hash.to_owned())),
        created_at: Set(ticket.now),
        expires_at: Set(Some(expires_at)),
        paid_at: Set(None),
        canceled_at: Set(None),
        updated_at: Set(ticket.now),
        term_start: Set(None),
        claim: Set(claim.as_ref().map(OrderClaim::key)),
    };
    let refused = match claims::insert(db, &txn, inserted, ticket.key, claim.as_ref()).await {
        Err(err) => Some(err),
        Ok(()) => claims::check_not_held(
            &txn,
            account.id,
            &product,
            claim.as_ref(),
            &family,
            ticket.now,
        )
        .await
        .err(),
    };
    if let Some(err) = refused {
        // The checkout started for an order that is not stored is closed at its provider.
        txn.rollback().await?;
        checkout::abandon(payments, session).await;
        return Err(err);
    }
    session.insert(&txn).await?;
    let created = store::load_view(&txn, order_id).await?;
    Change::new(ticket.actor, "order.created", "order", order_id)
        .account(account.id)
        .after(&created)
        .record(&txn, ticket.now)
        .await?;
    txn.commit().await?;
    Ok(created)
}

fn to_i32(value: u32) -> ServiceResult<i32> {
    i32::try_from(value).map_err(|_| ServiceError::Invalid(format!("{value} is too large")))
}

/// Starts a free trial at once: an order of type `trial`, paid with nothing, and its
/// subscription.
async fn start_trial(
    db: &DatabaseConnection,
    account: &AccountRecord,
    trial: &TrialOrder,
    ticket: &Ticket<'_>,
) -> ServiceResult<Order> {
    let product = catalog::named(db, &trial.product).await?;
    let family = catalog::family_codes(db, &product).await?;
    let held = subscriptions::live_among(db, account.id, &family, ticket.now).await?;
    let used = subscriptions::trial_used(db, account.id, &family).await?;
    check_trial(
        account.buyer(),
        &product,
        used,
        held.filter(|h| !h.trial).as_ref(),
    )?;
    let grant = grant_trial(&product, ticket.now)?;
    let currency = account.region.currency();
    let order_id = Uuid::now_v7();
    let claim = OrderClaim::for_order(OrderType::Trial, &product, None);

    let txn = db.begin().await?;
    let inserted = order::ActiveModel {
        id: Set(order_id),
        account_id: Set(account.id),
        kind: Set(OrderType::Trial),
        status: Set(OrderStatus::Paid),
        product_code: Set(product.code.to_string()),
        cycle: Set(None),
        quantity: Set(1),
        periods: Set(1),
        subscription_id: Set(None),
        auto_renew: Set(Some(false)),
        lines: Set("[]".to_owned()),
        currency: Set(currency),
        total_minor: Set(Money::zero(currency).to_minor().unwrap_or(0)),
        payment_method: Set(None),
        return_url: Set(None),
        idempotency_key: Set(Some(ticket.key.to_owned())),
        request_hash: Set(Some(ticket.hash.to_owned())),
        created_at: Set(ticket.now),
        expires_at: Set(None),
        paid_at: Set(Some(ticket.now)),
        canceled_at: Set(None),
        updated_at: Set(ticket.now),
        term_start: Set(None),
        claim: Set(claim.as_ref().map(OrderClaim::key)),
    };
    claims::insert(db, &txn, inserted, ticket.key, claim.as_ref()).await?;
    let mut changes = fulfillment::apply_grant(
        &txn,
        fulfillment::Delivery {
            account_id: account.id,
            order_id,
            method: None,
            actor: ticket.actor,
            now: ticket.now,
        },
        &grant,
    )
    .await?;
    let created = store::load_view(&txn, order_id).await?;
    changes.insert(
        0,
        Change::new(ticket.actor, "order.created", "order", order_id)
            .account(account.id)
            .after(&created),
    );
    audit::record(&txn, ticket.now, changes).await?;
    txn.commit().await?;
    Ok(created)
}

/// One order. An unpaid order past its checkout's lifetime is expired as it is read.
pub async fn get(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<Order> {
    let row = store::owned(db, principal, id).await?;
    let now = clock.now();
    if row.status == OrderStatus::PendingPayment && row.expires_at.is_some_and(|at| at <= now) {
        expire(db, clock, row.id).await?;
    }
    store::load_view(db, id).await
}

/// One page of an account's orders, oldest first, optionally of one status.
pub async fn list(
    db: &DatabaseConnection,
    principal: Principal,
    account_id: Uuid,
    status: Option<OrderStatus>,
    page: PageRequest,
) -> ServiceResult<OrderPage> {
    accounts::ensure_visible(db, principal, account_id).await?;
    let mut query = order::Entity::find()
        .filter(order::Column::AccountId.eq(account_id))
        .order_by_asc(order::Column::Id);
    if let Some(status) = status {
        query = query.filter(order::Column::Status.eq(status));
    }
    let (rows, next_cursor) = page
        .load(db, query, order::Column::Id, |row| row.id)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let session = store::session_of(db, row.id).await?;
        items.push(store::view(row, session)?);
    }
    Ok(OrderPage {
        items,
        next_cursor: next_cursor.into(),
    })
}
