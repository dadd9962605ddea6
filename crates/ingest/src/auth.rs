//! HTTP Basic authentication of partners, done before the body is read.
//!
//! The header is parsed here rather than by a library because the contract fixes every edge:
//! the scheme is case-insensitive, the password may contain `:` (split at the first colon
//! only), and every malformed form is a plain 401 with the challenge.

use crate::api_error::ApiError;
use crate::partners::{self, Partner, store};
use crate::startup::AppState;
use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::future::Future;
use std::pin::Pin;

/// Credentials as sent.
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// Reads `Authorization: Basic base64(user:password)`; `None` for anything else.
pub fn parse_basic(header: Option<&str>) -> Option<Credentials> {
    let (scheme, token) = header?.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(token.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (username, password) = text.split_once(':')?;
    // No partner name holds a control character, and PostgreSQL cannot even compare a NUL.
    if username.is_empty() || username.chars().any(char::is_control) {
        return None;
    }
    Some(Credentials {
        username: username.to_owned(),
        password: password.to_owned(),
    })
}

/// Extracting a [`Partner`] authenticates the request; handlers that take one are protected.
/// It reads only the header, so a handler taking `(Partner, web::Payload)` rejects bad
/// credentials before a byte of the body is read.
impl FromRequest for Partner {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Partner, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Two Authorization headers are ambiguous: neither is taken.
        let mut headers = req.headers().get_all(AUTHORIZATION);
        let header = match (headers.next(), headers.next()) {
            (Some(only), None) => only.to_str().ok(),
            _ => None,
        };
        let credentials = parse_basic(header);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        // The peer address, not a forwarded header a client could forge.
        let client = req
            .peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        Box::pin(async move {
            let (Some(credentials), Some(state)) = (credentials, state) else {
                return Err(ApiError::Unauthorized);
            };
            let login = format!("{}|{client}", credentials.username);
            let limits = &state.limits_of_abuse;
            limits
                .failed_logins
                .check(&login)
                .map_err(refused("failed_logins"))?;
            let cache_key = (
                credentials.username.clone(),
                partners::credentials::hash(&credentials.password),
            );
            if let Some(partner) = state.credentials.get(&cache_key) {
                limits
                    .requests
                    .hit(&partner.name)
                    .map_err(refused("requests"))?;
                return Ok(partner);
            }
            let authenticated =
                store::authenticate(&state.db, &credentials.username, &credentials.password).await;
            let partner = match authenticated {
                Ok(Some(partner)) => {
                    state.credentials.insert(cache_key, partner.clone());
                    partner
                }
                Ok(None) => {
                    tracing::info!(error.code = "unauthorized", "authentication failed");
                    metrics::counter!("billing_auth_failures_total").increment(1);
                    limits
                        .failed_logins
                        .hit(&login)
                        .map_err(refused("failed_logins"))?;
                    return Err(ApiError::Unauthorized);
                }
                Err(error) => return Err(ApiError::store(error)),
            };
            limits
                .requests
                .hit(&partner.name)
                .map_err(refused("requests"))?;
            Ok(partner)
        })
    }
}

fn refused(reason: &'static str) -> impl Fn(std::time::Duration) -> ApiError {
    move |retry_after| {
        tracing::info!(
            error.code = "rate_limited",
            limit = reason,
            "request throttled"
        );
        metrics::counter!("billing_rate_limited_total", "limit" => reason).increment(1);
        ApiError::RateLimited { retry_after }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(raw: &str) -> String {
        format!("Basic {}", STANDARD.encode(raw))
    }

    #[test]
    fn the_password_may_contain_colons() {
        let c = parse_basic(Some(&basic("acme:pa:ss"))).expect("parsed");
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("acme", "pa:ss")
        );
    }

    #[test]
    fn the_scheme_is_case_insensitive() {
        let header = format!("basic {}", STANDARD.encode("acme:x"));
        assert!(parse_basic(Some(&header)).is_some());
    }

    #[test]
    fn malformed_headers_are_refused() {
        for header in [
            "".to_owned(),
            "Basic".to_owned(),
            "Basic !!!".to_owned(),
            basic("nocolon"),
            basic(":password"),
            basic("de\u{0}mo:x"),
            "Bearer x".to_owned(),
        ] {
            assert!(parse_basic(Some(&header)).is_none(), "{header}");
        }
        assert!(parse_basic(None).is_none());
    }
}
