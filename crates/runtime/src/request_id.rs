//! `X-Request-Id` on every response of both binaries, a span carrying it around each request,
//! and the request metrics by route and status.
//!
//! A client's own request id is kept when it is a UUID (so both sides can search for it);
//! otherwise a UUIDv7 is made. The id travels into the message headers, so a
//! record can be followed from the HTTP request to the processor's logs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest};
use tracing::Instrument;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");
const MAX_LEN: usize = 64;

/// The request's id, stored in its extensions by [`middleware`].
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    pub fn of(req: &HttpRequest) -> Option<String> {
        req.extensions().get::<RequestId>().map(|r| r.0.clone())
    }
}

/// A partner's own id is kept only when it is a UUID: anything else could carry a phone
/// number or a name into the logs and the message headers.
fn acceptable(value: &str) -> bool {
    value.len() <= MAX_LEN && uuid::Uuid::parse_str(value).is_ok()
}

/// The method as a metric label: known methods by name, anything else as `other`, so that a
/// client cannot create metric series at will.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    // The route pattern, never the path: a path can hold an account number.
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = method_label(req.method());
    let span = tracing::info_span!("request", request.id = %id, http.method = %method, http.route = %route);
    let started = std::time::Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let status = match &result {
        Ok(response) => response.status().as_u16(),
        Err(error) => error.as_response_error().status_code().as_u16(),
    };
    metrics::counter!("billing_http_requests_total", "route" => route.clone(), "method" => method, "status" => status.to_string())
        .increment(1);
    metrics::histogram!("billing_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    let header_value = HeaderValue::from_str(&id).ok();
    match result {
        Ok(mut response) => {
            span.in_scope(|| {
                tracing::info!(http.status = response.status().as_u16(), "request finished");
            });
            if let Some(value) = header_value {
                response.headers_mut().insert(HEADER, value);
            }
            Ok(response)
        }
        Err(error) => Err(error),
    }
}
