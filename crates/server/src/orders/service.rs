//! Creating, reading, canceling and expiring orders.
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
use entitle_domain::orders::{OrderStatus, OrderType};
use entitle_domain::{Money, PaymentMethod, ProductKind, Refusal};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr, TransactionTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{fulfillment, store};
use crate::accounts::service::{self as accounts, AccountRecord};
use crate::app::AppState;
use crate::audit::{self, Actor, Change, snapshot};
use crate::auth::Principal;
use crate::catalog::service as catalog;
use crate::error::{ServiceError, ServiceResult};
use crate::events;
use crate::pagination::PageRequest;
use crate::payments::{CheckoutRequest, reconcile};
use crate::quotes::service as quotes;
use crate::store::entity::{checkout_session, order};
use crate::subscriptions::store as subscriptions;

/// The longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

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
async fn replay(state: &AppState, existing: order::Model, hash: &str) -> ServiceResult<Order> {
    if existing.request_hash.as_deref() != Some(hash) {
        return Err(ServiceError::IdempotencyKeyReused);
    }
    store::load_view(&state.db, existing.id).await
}

/// Creates an order for `account_id` (or, for a trial, starts it at once).
pub async fn create(
    state: &AppState,
    principal: Principal,
    account_id: Uuid,
    idempotency_key: &str,
    request: &OrderRequest,
) -> ServiceResult<Order> {
    let key = idempotency_key.trim();
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY {
        return Err(ServiceError::Invalid(format!(
            "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters"
        )));
    }
    let account = accounts::load(state, principal, account_id).await?;
    let hash = request_hash(request)?;
    if let Some(existing) = find_by_key(&state.db, account.id, key).await? {
        return replay(state, existing, &hash).await;
    }
    let ticket = Ticket {
        actor: Actor::from(principal),
        key,
        hash: &hash,
        now: state.clock.now(),
    };
    let created = match request {
        OrderRequest::Trial(trial) => start_trial(state, &account, trial, &ticket).await,
        _ => open_order(state, &account, request, &ticket).await,
    };
    match created {
        // Another request with the same key won the race: answer as a repeat of it.
        Err(ServiceError::Store(err)) if is_unique_violation(&err) => {
            match find_by_key(&state.db, account.id, key).await? {
                Some(existing) => replay(state, existing, &hash).await,
                None => Err(ServiceError::Store(err)),
            }
        }
        other => other,
    }
}

fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
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
    state: &AppState,
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
        &state.payments.payable(region),
    )?;
    let quote = quotes::price(state, account, &quote_request).await?;
    let (cycle, periods, auto_renew, subscription_id) = match request {
        OrderRequest::Purchase(purchase) => {
            let product = catalog::named(state, &purchase.item.product).await?;
            let auto_renew = match product.kind {
                ProductKind::Term => Some(auto_renew_choice(&product, purchase.auto_renew)?),
                ProductKind::OneTime => {
                    auto_renew_choice(&product, purchase.auto_renew)?;
                    None
                }
            };
            (purchase.item.cycle, purchase.item.periods, auto_renew, None)
        }
        OrderRequest::Upgrade(upgrade) => {
            let pending = order::Entity::find()
                .filter(order::Column::SubscriptionId.eq(upgrade.item.subscription_id))
                .filter(order::Column::Kind.eq(OrderType::Upgrade.as_str()))
                .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
                .filter(order::Column::ExpiresAt.gt(ticket.now))
                .one(&state.db)
                .await?;
            if pending.is_some() {
                return Err(Refusal::Upgrade(entitle_domain::UpgradeRefusal::Pending).into());
            }
            (None, 1, None, Some(upgrade.item.subscription_id))
        }
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
    let expires_at = ticket.now + state.config.order_ttl;
    let order_id = Uuid::now_v7();
    let session_id = Uuid::now_v7();
    // The checkout is started at the provider before anything is stored: a provider that
    // cannot be reached, or whose answer does not verify, leaves nothing payable behind.
    let session = start_checkout(
        state,
        &Payable {
            order_id,
            amount: quote.total,
            method: payment.payment_method,
            product: &main.product.to_string(),
        },
        session_id,
        expires_at,
        ticket.now,
    )
    .await?;

    let txn = state.db.begin().await?;
    order::ActiveModel {
        id: Set(order_id),
        account_id: Set(account.id),
        kind: Set(request.order_type().as_str().to_owned()),
        status: Set(OrderStatus::PendingPayment.as_str().to_owned()),
        product_code: Set(main.product.to_string()),
        cycle: Set(cycle.map(|c| c.as_str().to_owned())),
        quantity: Set(to_i32(main.quantity)?),
        periods: Set(to_i32(periods)?),
        subscription_id: Set(subscription_id),
        auto_renew: Set(auto_renew),
        lines: Set(serde_json::to_string(&lines)
            .map_err(|e| ServiceError::Invalid(e.to_string()))?),
        currency: Set(quote.currency.code().to_owned()),
        total_minor: Set(total_minor),
        payment_method: Set(Some(payment.payment_method.as_str().to_owned())),
        return_url: Set(payment.return_url.clone()),
        idempotency_key: Set(Some(ticket.key.to_owned())),
        request_hash: Set(Some(ticket.hash.to_owned())),
        created_at: Set(ticket.now),
        expires_at: Set(Some(expires_at)),
        paid_at: Set(None),
        canceled_at: Set(None),
        updated_at: Set(ticket.now),
        term_start: Set(None),
    }
    .insert(&txn)
    .await?;
    session.insert(&txn).await?;
    let created = store::load_view(&txn, order_id).await?;
    audit::record(
        &txn,
        ticket.now,
        vec![Change {
            actor: ticket.actor,
            account_id: Some(account.id),
            action: "order.created",
            entity: "order",
            entity_id: order_id,
            before: None,
            after: snapshot(&created),
        }],
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// What a checkout is started for.
pub(crate) struct Payable<'a> {
    pub order_id: Uuid,
    pub amount: Money,
    pub method: PaymentMethod,
    pub product: &'a str,
}

/// Starts a checkout for `payable` at the provider that takes its method; the session to
/// store, not yet stored.
pub(crate) async fn start_checkout(
    state: &AppState,
    payable: &Payable<'_>,
    session_id: Uuid,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<checkout_session::ActiveModel> {
    let provider = state.payments.for_method(payable.method).ok_or_else(|| {
        Refusal::PaymentMethodUnavailable {
            method: payable.method,
            available: Vec::new(),
        }
    })?;
    let subject = format!(
        "Entitle {} order {}",
        payable.product,
        payable.order_id.simple()
    );
    let started = provider
        .start_checkout(&CheckoutRequest {
            session_id,
            order_id: payable.order_id,
            amount: payable.amount,
            method: payable.method,
            subject: &subject,
            expires_at,
        })
        .await
        .map_err(|e| ServiceError::ProviderUnavailable(e.to_string()))?;
    let amount_minor = payable
        .amount
        .to_minor()
        .map_err(|_| Refusal::AmountOutOfRange)?;
    Ok(checkout_session::ActiveModel {
        id: Set(session_id),
        order_id: Set(payable.order_id),
        provider: Set(provider.name().to_owned()),
        url: Set(started.url),
        amount_minor: Set(amount_minor),
        currency: Set(payable.amount.currency().code().to_owned()),
        payment_method: Set(payable.method.as_str().to_owned()),
        status: Set("open".to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        provider_ref: Set(started.provider_ref),
        qr_code: Set(started.qr_code),
    })
}

/// A fresh checkout for the unpaid order `id` (`POST /v1/orders/{id}/checkout`): a provider's
/// QR code lives minutes and an order days (a pay-to-renew order lives until its grace ends),
/// so the customer gets a new one whenever they open it. The checkouts before it are
/// superseded but still reconciled: the provider may take them until they expire there.
pub async fn reopen_checkout(
    state: &AppState,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<Order> {
    let row = load(state, principal, id).await?;
    store::status(&row)?.reopen_checkout()?;
    let now = state.clock.now();
    let method = crate::subscriptions::store::payment_method(row.payment_method.as_deref())?
        .ok_or_else(|| ServiceError::Invalid("this order is not paid with a method".to_owned()))?;
    let expires_at = match row.expires_at {
        Some(order_ends) => order_ends.min(now + state.config.order_ttl),
        None => now + state.config.order_ttl,
    };
    let payable = Payable {
        order_id: row.id,
        amount: store::total(&row)?,
        method,
        product: &row.product_code,
    };
    opened_checkout(state, Actor::from(principal), &payable, expires_at, now).await
}

/// Starts, stores and records a checkout for `payable`, superseding the order's open ones.
pub(crate) async fn opened_checkout(
    state: &AppState,
    actor: Actor,
    payable: &Payable<'_>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<Order> {
    let session = start_checkout(state, payable, Uuid::now_v7(), expires_at, now).await?;
    let before = store::load_view(&state.db, payable.order_id).await?;
    let txn = state.db.begin().await?;
    // Still unpaid, claimed by a conditional write (a transaction that starts with its write
    // waits its turn on SQLite): a payment that landed while the provider was asked wins, and
    // the answer is the paid order.
    let unpaid = order::Entity::update_many()
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(payable.order_id))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
        .exec(&txn)
        .await?;
    if unpaid.rows_affected == 0 {
        txn.rollback().await?;
        return store::load_view(&state.db, payable.order_id).await;
    }
    checkout_session::Entity::update_many()
        .col_expr(checkout_session::Column::Status, Expr::value("superseded"))
        .filter(checkout_session::Column::OrderId.eq(payable.order_id))
        .filter(checkout_session::Column::Status.eq("open"))
        .exec(&txn)
        .await?;
    session.insert(&txn).await?;
    let after = store::load_view(&txn, payable.order_id).await?;
    audit::record(
        &txn,
        now,
        vec![Change {
            actor,
            account_id: Some(after.account_id),
            action: "order.checkout_opened",
            entity: "order",
            entity_id: after.id,
            before: snapshot(&before),
            after: snapshot(&after),
        }],
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

fn to_i32(value: u32) -> ServiceResult<i32> {
    i32::try_from(value).map_err(|_| ServiceError::Invalid(format!("{value} is too large")))
}

/// Starts a free trial at once: an order of type `trial`, paid with nothing, and its
/// subscription.
async fn start_trial(
    state: &AppState,
    account: &AccountRecord,
    trial: &TrialOrder,
    ticket: &Ticket<'_>,
) -> ServiceResult<Order> {
    let product = catalog::named(state, &trial.product).await?;
    let family = catalog::family_codes(state, &product).await?;
    let held = subscriptions::live_among(&state.db, account.id, &family, ticket.now).await?;
    let used = subscriptions::trial_used(&state.db, account.id, &family).await?;
    check_trial(
        account.buyer(),
        &product,
        used,
        held.filter(|h| !h.trial).as_ref(),
    )?;
    let grant = grant_trial(&product, ticket.now)?;
    let currency = account.region.currency();
    let order_id = Uuid::now_v7();

    let txn = state.db.begin().await?;
    order::ActiveModel {
        id: Set(order_id),
        account_id: Set(account.id),
        kind: Set(OrderType::Trial.as_str().to_owned()),
        status: Set(OrderStatus::Paid.as_str().to_owned()),
        product_code: Set(product.code.to_string()),
        cycle: Set(None),
        quantity: Set(1),
        periods: Set(1),
        subscription_id: Set(None),
        auto_renew: Set(Some(false)),
        lines: Set("[]".to_owned()),
        currency: Set(currency.code().to_owned()),
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
    }
    .insert(&txn)
    .await?;
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
        Change {
            actor: ticket.actor,
            account_id: Some(account.id),
            action: "order.created",
            entity: "order",
            entity_id: order_id,
            before: None,
            after: snapshot(&created),
        },
    );
    audit::record(&txn, ticket.now, changes).await?;
    txn.commit().await?;
    Ok(created)
}

async fn load(state: &AppState, principal: Principal, id: Uuid) -> ServiceResult<order::Model> {
    let row = order::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("order"))?;
    principal.require_owner(row.account_id, "order")?;
    Ok(row)
}

/// One order. An unpaid order past its checkout's lifetime is expired as it is read.
pub async fn get(state: &AppState, principal: Principal, id: Uuid) -> ServiceResult<Order> {
    let row = load(state, principal, id).await?;
    let now = state.clock.now();
    if store::status(&row)? == OrderStatus::PendingPayment
        && row.expires_at.is_some_and(|at| at <= now)
    {
        expire(state, row.id).await?;
    }
    store::load_view(&state.db, id).await
}

/// One page of an account's orders, oldest first, optionally of one status.
pub async fn list(
    state: &AppState,
    principal: Principal,
    account_id: Uuid,
    status: Option<OrderStatus>,
    page: PageRequest,
) -> ServiceResult<OrderPage> {
    accounts::ensure_visible(state, principal, account_id).await?;
    let mut query = order::Entity::find()
        .filter(order::Column::AccountId.eq(account_id))
        .order_by_asc(order::Column::Id);
    if let Some(status) = status {
        query = query.filter(order::Column::Status.eq(status.as_str()));
    }
    let (rows, next_cursor) = page
        .load(&state.db, query, order::Column::Id, |row| row.id)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let session = store::session_of(&state.db, row.id).await?;
        items.push(store::view(row, session)?);
    }
    Ok(OrderPage { items, next_cursor })
}

/// Moves an order from `from` to `to` if it is still in `from`, closes its open checkouts
/// with `session_status` (an expiring order leaves them open, for reconciliation to ask the
/// provider about), and records the change; `false` when the order had already moved.
async fn transition(
    state: &AppState,
    order_id: Uuid,
    from: &[OrderStatus],
    to: OrderStatus,
    session_status: Option<&str>,
    actor: Actor,
    action: &str,
) -> ServiceResult<bool> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let before = store::load_view(&txn, order_id).await?;
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::Status.is_in(from.iter().map(|s| s.as_str())));
    if to == OrderStatus::Canceled {
        update = update.col_expr(order::Column::CanceledAt, Expr::value(now));
    }
    if update.exec(&txn).await?.rows_affected == 0 {
        return Ok(false);
    }
    if let Some(session_status) = session_status {
        checkout_session::Entity::update_many()
            .col_expr(
                checkout_session::Column::Status,
                Expr::value(session_status),
            )
            .filter(checkout_session::Column::OrderId.eq(order_id))
            .filter(checkout_session::Column::Status.is_in(reconcile::PAYABLE))
            .exec(&txn)
            .await?;
    }
    let after = store::load_view(&txn, order_id).await?;
    if to == OrderStatus::Expired {
        events::emit(
            &txn,
            events::ORDER_EXPIRED,
            Some(after.account_id),
            serde_json::json!({ "order": after }),
            now,
        )
        .await?;
    }
    audit::record(
        &txn,
        now,
        vec![Change {
            actor,
            account_id: Some(after.account_id),
            action,
            entity: "order",
            entity_id: order_id,
            before: snapshot(&before),
            after: snapshot(&after),
        }],
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Cancels an unpaid order. A paid one is final: `order_non_refundable`.
pub async fn cancel(state: &AppState, principal: Principal, id: Uuid) -> ServiceResult<Order> {
    load(state, principal, id).await?;
    cancel_as(state, id, Actor::from(principal)).await
}

/// Cancels an unpaid order on behalf of `actor` (the customer, or the customer leaving the
/// provider's page).
pub async fn cancel_as(state: &AppState, id: Uuid, actor: Actor) -> ServiceResult<Order> {
    store::load_view(&state.db, id).await?.status.cancel()?;
    let canceled = transition(
        state,
        id,
        &[OrderStatus::PendingPayment],
        OrderStatus::Canceled,
        Some("canceled"),
        actor,
        "order.canceled",
    )
    .await?;
    let order = store::load_view(&state.db, id).await?;
    if !canceled {
        // It moved while we looked (paid, most likely): refuse as its new state says.
        order.status.cancel()?;
    }
    Ok(order)
}

/// Records a declined payment: the order is `failed` (if it was still unpaid).
pub async fn mark_failed(state: &AppState, id: Uuid, actor: Actor) -> ServiceResult<bool> {
    transition(
        state,
        id,
        &[OrderStatus::PendingPayment, OrderStatus::Expired],
        OrderStatus::Failed,
        Some("declined"),
        actor,
        "order.failed",
    )
    .await
}

/// Expires the unpaid order `id` (its checkouts stay open for reconciliation).
pub(crate) async fn expire(state: &AppState, id: Uuid) -> ServiceResult<bool> {
    transition(
        state,
        id,
        &[OrderStatus::PendingPayment],
        OrderStatus::Expired,
        None,
        Actor::System,
        "order.expired",
    )
    .await
}

/// Expires every unpaid order past its checkout's lifetime; returns how many. Each order is
/// claimed by a conditional update, so several servers may run this at once.
pub async fn expire_due(state: &AppState) -> ServiceResult<usize> {
    let now = state.clock.now();
    let due = order::Entity::find()
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
        .filter(order::Column::ExpiresAt.lte(now))
        .order_by_asc(order::Column::Id)
        .limit(500)
        .all(&state.db)
        .await?;
    let mut expired = 0;
    for row in due {
        if expire(state, row.id).await? {
            expired += 1;
        }
    }
    Ok(expired)
}
