//! The request-body limit, [`MAX_BODY_BYTES`], for every body.
//!
//! A body that declares a `Content-Length` over the limit is refused before a byte of it is
//! read (the HTTP layer holds a body to its declared length). A body without one — chunked
//! HTTP/1.1, or HTTP/2, where the length is optional — could be any size, so it is read here,
//! at most the limit, and refused the moment it passes it: the rest of the stream is never
//! read, and the handler never sees any of it. Handlers read whole bodies anyway (JSON, forms),
//! so reading it here costs no memory they would not have spent.

use entitle_domain::api::ProblemCode;
use poem::Request;
use poem::error::ReadBodyError;
use poem::http::{StatusCode, header};

use crate::problem::refusal;

/// The largest request body accepted: 1 MiB.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

fn too_large() -> poem::Response {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        ProblemCode::PayloadTooLarge,
        &format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
    )
}

/// `req` with its body within the limit, or the refusal to answer instead.
pub async fn within_limit(mut req: Request) -> Result<Request, poem::Response> {
    if let Some(length) = req.header(header::CONTENT_LENGTH) {
        return match length.trim().parse::<usize>() {
            Ok(length) if length <= MAX_BODY_BYTES => Ok(req),
            Ok(_) => Err(too_large()),
            Err(_) => Err(refusal(
                StatusCode::BAD_REQUEST,
                ProblemCode::ValidationFailed,
                "Content-Length is not a number",
            )),
        };
    }
    let body = req.take_body();
    if body.is_empty() {
        return Ok(req);
    }
    match body.into_bytes_limit(MAX_BODY_BYTES).await {
        Ok(bytes) => {
            req.set_body(bytes);
            Ok(req)
        }
        Err(ReadBodyError::PayloadTooLarge) => Err(too_large()),
        Err(err) => {
            tracing::info!(error = %err, "a request body could not be read");
            Err(refusal(
                StatusCode::BAD_REQUEST,
                ProblemCode::ValidationFailed,
                "the request body could not be read",
            ))
        }
    }
}
