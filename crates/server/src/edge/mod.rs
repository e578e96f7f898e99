//! The HTTP edge, around every request: a request id (echoed in `X-Request-Id` and carried by
//! every log line of the request), the body size limit (for bodies of any framing), per-key
//! and per-IP rate limits (the client as `--trusted-proxies` decide),
//! security headers, the `Allow` header of a 405, and the request metrics.

pub mod body;
pub mod client;
pub mod conform;
pub mod json;
pub mod limits;
pub mod metrics;
pub mod scrape;
pub mod spec;

use std::sync::Arc;
use std::time::Instant;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, Request, Response};
use spec::Spec;
use tracing::Instrument;

use crate::state::AppState;

/// The header carrying the request's id.
pub const REQUEST_ID: &str = "x-request-id";

/// The caller's request id when it is a sane one, else a new one.
fn request_id(req: &Request) -> String {
    req.header(REQUEST_ID)
        .filter(|id| {
            (1..=64).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

fn insert(response: &mut Response, name: header::HeaderName, value: &'static str) {
    response
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
}

/// `req` once its body passed the edge's checks (its size, its strings), or the refusal.
async fn admit(spec: Option<&Spec>, req: Request) -> Result<Request, Response> {
    let req = body::within_limit(req).await?;
    match spec {
        Some(spec) => conform::admit(spec, req).await,
        None => Ok(req),
    }
}

/// Runs `endpoint` for `req` with everything the edge adds.
pub async fn around<E: Endpoint>(endpoint: E, req: Request) -> poem::Result<Response> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let spec = req.data::<Arc<Spec>>().cloned();
    let operation = spec.as_ref().map_or_else(
        || format!("{method} other"),
        |spec| spec.operation_of(method.as_str(), &path),
    );
    let state = req.data::<AppState>().cloned();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);

    let admitted = match state
        .as_ref()
        .and_then(|s| limits::refuse(&s.limits, &req, |hash| s.knows_key(hash)))
    {
        Some(refused) => Err(refused),
        None => admit(spec.as_deref(), req).await,
    };
    let mut response = match admitted {
        Ok(req) => endpoint.get_response(req).instrument(span.clone()).await,
        Err(refused) => refused,
    };

    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(allowed) = spec.as_ref().and_then(|s| s.allowed_methods(&path))
        && let Ok(value) = HeaderValue::from_str(allowed)
    {
        response.headers_mut().insert(header::ALLOW, value);
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    insert(&mut response, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if path.starts_with("/sandbox/")
        || path.starts_with("/pay/")
        || path.starts_with("/v1/payments/")
    {
        // The hosted payment pages (the sandbox's, and the QR page of scan flows): nothing loads from elsewhere, it is never framed, and it
        // posts only to itself.
        insert(
            &mut response,
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        );
        insert(&mut response, header::X_FRAME_OPTIONS, "DENY");
        insert(&mut response, header::REFERRER_POLICY, "no-referrer");
        insert(&mut response, header::CACHE_CONTROL, "no-store");
    }
    if let Some(state) = &state {
        state
            .metrics
            .observe_request(&operation, response.status().as_u16(), started.elapsed());
    }
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request"
        )
    });
    Ok(response)
}
