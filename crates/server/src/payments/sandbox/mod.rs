//! The built-in sandbox provider (DESIGN.md §8), in test mode only: a hosted payment page
//! served by this server, signed callbacks to `POST /v1/payments/sandbox/callback`, and
//! saved-method charges for renewals, so the whole flow works on one machine with no account
//! anywhere.
//!
//! The sandbox keeps its own ledger (`sandbox_charges`), as a real provider would: every
//! payment it took or declined, and whether the merchant acknowledged the callback. A callback
//! that was not acknowledged (the server was down, the request failed) is found by
//! reconciliation, which asks the ledger ([`PaymentProvider::query`]) as it asks a real
//! provider. Callbacks are signed on the system clock, never the movable one: their freshness
//! is real time (DESIGN.md §11).

pub mod pages;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use entitle_domain::api::Amount;
use entitle_domain::{Clock, Currency, Money, PaymentMethod};
use poem::http::{HeaderMap, StatusCode};
use poem::web::Json;
use poem::{IntoResponse, Response};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, TryIntoModel,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    CallbackFailure, CallbackOutcome, CallbackRejection, CheckoutRequest, CheckoutStart, Identity,
    PaymentNotice, PaymentOutcome, PaymentProvider, ProviderError, ProviderResult, SavedCharge,
    SavedMethodCharge, SessionRef,
};
use crate::problem::{PROBLEM_JSON, problem};
use crate::signature;
use crate::store::entity::sandbox_charge;

/// The header that carries the sandbox's callback signature.
pub const SIGNATURE_HEADER: &str = "Entitle-Sandbox-Signature";

/// The provider's name on orders and checkouts.
pub const NAME: &str = "sandbox";
/// Where the sandbox delivers its callbacks, below the server's public URL.
pub const CALLBACK_PATH: &str = "/v1/payments/sandbox/callback";
/// Where the sandbox's page sends the browser back, below the server's public URL.
pub const RETURN_PATH: &str = "/v1/payments/sandbox/return";

/// The callback body the sandbox sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackBody {
    pub event_id: Uuid,
    /// `payment.succeeded` or `payment.failed`.
    #[serde(rename = "type")]
    pub kind: String,
    pub session_id: Option<Uuid>,
    pub order_id: Uuid,
    pub amount: Amount,
    pub currency: Currency,
    pub occurred_at: DateTime<Utc>,
}

impl CallbackBody {
    fn of(charge: &sandbox_charge::Model) -> Result<Self, DbErr> {
        let currency = charge.currency;
        Ok(CallbackBody {
            event_id: charge.id,
            kind: if charge.outcome == PaymentOutcome::Succeeded {
                "payment.succeeded"
            } else {
                "payment.failed"
            }
            .to_owned(),
            session_id: charge.session_id,
            order_id: charge.order_id,
            amount: Amount::of(Money::from_minor(charge.amount_minor, currency)),
            currency,
            occurred_at: charge.occurred_at,
        })
    }
}

/// The sandbox provider. `Debug` shows no secret.
pub struct SandboxProvider {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    secret: Vec<u8>,
    public_url: String,
    http: reqwest::Client,
    decline_saved_charges: AtomicBool,
}

impl std::fmt::Debug for SandboxProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxProvider")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl SandboxProvider {
    /// A sandbox whose pages and callbacks live under `public_url`, signing with `secret`.
    pub fn new(
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        secret: &str,
        public_url: &str,
        decline_saved_charges: bool,
    ) -> Self {
        SandboxProvider {
            db,
            clock,
            secret: secret.as_bytes().to_vec(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            decline_saved_charges: AtomicBool::new(decline_saved_charges),
        }
    }

    /// Makes saved-method charges decline (or succeed again), to watch renewals fail.
    pub fn set_decline_saved_charges(&self, decline: bool) {
        self.decline_saved_charges.store(decline, Ordering::SeqCst);
    }

    /// The hosted page's anti-forgery token for `session_id`: only a form the page served
    /// can pay (HMAC-SHA256 of the session with the sandbox's secret).
    pub fn csrf_token(&self, session_id: Uuid) -> String {
        signature::sign(&self.secret, 0, format!("csrf:{session_id}").as_bytes())
            .rsplit("v1=")
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// Whether `token` is the page's token for `session_id` (compared in constant time).
    pub fn csrf_valid(&self, session_id: Uuid, token: &str) -> bool {
        signature::verify(
            &self.secret,
            &format!("t=0,v1={token}"),
            format!("csrf:{session_id}").as_bytes(),
            chrono::DateTime::from_timestamp(0, 0).unwrap_or_default(),
        )
        .is_ok()
    }

    /// The signature header value for `body`, signed now (real time).
    pub fn sign(&self, body: &[u8]) -> String {
        signature::sign(&self.secret, Utc::now().timestamp(), body)
    }

    /// Where the browser goes back to after paying checkout `session_id`.
    pub fn return_url(&self, session_id: Uuid) -> String {
        format!("{}{RETURN_PATH}?session={session_id}", self.public_url)
    }

    /// Records a checkout's payment on the sandbox's ledger and delivers its callback before
    /// the browser is sent back, as hosted pages do.
    pub async fn record_payment(
        &self,
        session_id: Uuid,
        order_id: Uuid,
        amount: Money,
        method: PaymentMethod,
        outcome: PaymentOutcome,
    ) -> Result<sandbox_charge::Model, DbErr> {
        let charge = self
            .ledger_row(Some(session_id), order_id, amount, method, outcome)?
            .insert(&self.db)
            .await?;
        self.deliver(&charge).await?;
        Ok(charge)
    }

    /// A new line of the ledger, not yet stored.
    fn ledger_row(
        &self,
        session_id: Option<Uuid>,
        order_id: Uuid,
        amount: Money,
        method: PaymentMethod,
        outcome: PaymentOutcome,
    ) -> Result<sandbox_charge::ActiveModel, DbErr> {
        let amount_minor = amount
            .to_minor()
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        Ok(sandbox_charge::ActiveModel {
            id: Set(Uuid::now_v7()),
            session_id: Set(session_id),
            order_id: Set(order_id),
            outcome: Set(outcome),
            amount_minor: Set(amount_minor),
            currency: Set(amount.currency()),
            payment_method: Set(method),
            occurred_at: Set(self.clock.now()),
            delivered_at: Set(None),
            attempts: Set(0),
        })
    }

    /// Sends the callback of `charge` once; records the attempt, and the acknowledgement when
    /// the merchant answers 2xx.
    async fn deliver(&self, charge: &sandbox_charge::Model) -> Result<bool, DbErr> {
        let body = serde_json::to_vec(&CallbackBody::of(charge)?)
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let delivered = self
            .http
            .post(format!("{}{CALLBACK_PATH}", self.public_url))
            .header(SIGNATURE_HEADER, self.sign(&body))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .is_ok_and(|response| response.status().is_success());
        let mut update = sandbox_charge::Entity::update_many()
            .col_expr(
                sandbox_charge::Column::Attempts,
                Expr::col(sandbox_charge::Column::Attempts).add(1),
            )
            .filter(sandbox_charge::Column::Id.eq(charge.id));
        if delivered {
            update = update.col_expr(
                sandbox_charge::Column::DeliveredAt,
                Expr::value(self.clock.now()),
            );
        } else {
            tracing::warn!(event_id = %charge.id, "sandbox callback not acknowledged; reconciliation will find it");
        }
        update.exec(&self.db).await?;
        Ok(delivered)
    }
}

fn ledger_error(err: DbErr) -> ProviderError {
    ProviderError::Ledger(err.to_string())
}

#[async_trait::async_trait]
impl PaymentProvider for SandboxProvider {
    fn identity(&self) -> &'static Identity {
        &Identity {
            name: NAME,
            methods: &PaymentMethod::ALL,
        }
    }

    /// The sandbox's ledger is kept on the server's (movable) clock.
    fn reports_server_time(&self) -> bool {
        true
    }

    /// The sandbox charges every saved method, so the demo renews by itself.
    fn charges_saved(&self, _method: PaymentMethod) -> bool {
        true
    }

    async fn start_checkout(&self, request: &CheckoutRequest<'_>) -> ProviderResult<CheckoutStart> {
        Ok(CheckoutStart {
            url: format!(
                "{}/sandbox/checkout/{}",
                self.public_url, request.session_id
            ),
            qr_code: None,
            provider_ref: None,
        })
    }

    async fn verify_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<CallbackOutcome, CallbackRejection> {
        let header = headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(CallbackRejection::MissingSignature)?;
        signature::verify(&self.secret, header, body, now)?;
        let parsed: CallbackBody = serde_json::from_slice(body)
            .map_err(|e| CallbackRejection::Malformed(e.to_string()))?;
        let outcome = match parsed.kind.as_str() {
            "payment.succeeded" => PaymentOutcome::Succeeded,
            "payment.failed" => PaymentOutcome::Declined,
            other => {
                return Err(CallbackRejection::Malformed(format!(
                    "unknown event type {other:?}"
                )));
            }
        };
        Ok(CallbackOutcome::Payment(PaymentNotice {
            payment_id: parsed.event_id.to_string(),
            outcome,
            session_id: parsed.session_id,
            order_id: Some(parsed.order_id),
            amount: parsed.amount.in_currency(parsed.currency),
            occurred_at: parsed.occurred_at,
            saved_method: None,
        }))
    }

    fn acknowledge(&self, result: Result<bool, CallbackFailure>) -> Response {
        match result {
            Ok(changed) => Json(serde_json::json!({ "received": true, "changed": changed }))
                .with_status(StatusCode::OK)
                .into_response(),
            Err(failure) => Json(problem(failure.status, failure.code, failure.detail))
                .with_content_type(PROBLEM_JSON)
                .with_status(failure.status)
                .into_response(),
        }
    }

    async fn query(&self, session: &SessionRef<'_>) -> ProviderResult<Option<PaymentNotice>> {
        let charge = sandbox_charge::Entity::find()
            .filter(sandbox_charge::Column::SessionId.eq(session.id))
            .order_by_desc(sandbox_charge::Column::Id)
            .one(&self.db)
            .await
            .map_err(ledger_error)?;
        let Some(charge) = charge else {
            return Ok(None);
        };
        let body = CallbackBody::of(&charge).map_err(ledger_error)?;
        Ok(Some(PaymentNotice {
            payment_id: charge.id.to_string(),
            outcome: charge.outcome,
            session_id: charge.session_id,
            order_id: Some(charge.order_id),
            amount: body.amount.in_currency(body.currency),
            occurred_at: charge.occurred_at,
            saved_method: None,
        }))
    }

    fn returned_session(&self, query: &[(String, String)]) -> Option<Uuid> {
        query
            .iter()
            .find(|(k, _)| k == "session")
            .and_then(|(_, v)| Uuid::try_parse(v).ok())
    }

    async fn charge_saved(&self, charge: &SavedMethodCharge<'_>) -> ProviderResult<SavedCharge> {
        let SavedMethodCharge {
            order_id,
            amount,
            method,
            ..
        } = *charge;
        let outcome = if self.decline_saved_charges.load(Ordering::SeqCst) {
            PaymentOutcome::Declined
        } else {
            PaymentOutcome::Succeeded
        };
        // Charging is idempotent per order, as providers' idempotency keys make it: the ledger
        // holds one saved-method charge per order (a unique index), so asked again (a retry
        // after a crash, two servers at once) the sandbox answers the charge it already made.
        let row = self
            .ledger_row(None, order_id, amount, method, outcome)
            .map_err(ledger_error)?;
        let inserted = sandbox_charge::Entity::insert(row.clone())
            .on_conflict(
                OnConflict::column(sandbox_charge::Column::OrderId)
                    .target_and_where(Expr::col(sandbox_charge::Column::SessionId).is_null())
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(ledger_error)?;
        let charge = if inserted == 1 {
            row.try_into_model().map_err(ledger_error)?
        } else {
            sandbox_charge::Entity::find()
                .filter(sandbox_charge::Column::OrderId.eq(order_id))
                .filter(sandbox_charge::Column::SessionId.is_null())
                .one(&self.db)
                .await
                .map_err(ledger_error)?
                .ok_or(ProviderError::Ledger("the charge vanished".to_owned()))?
        };
        Ok(SavedCharge {
            payment_id: charge.id.to_string(),
            outcome: charge.outcome,
            occurred_at: charge.occurred_at,
        })
    }
}
