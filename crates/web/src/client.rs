//! The client's address, for rate limits and the audit log.
//!
//! Behind a reverse proxy the socket address is the proxy's; then the address comes from a
//! header the proxy sets, and only if configured: a header anyone can send must not be trusted.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::AppState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientIpSource {
    /// The TCP peer (no proxy in front).
    Socket,
    /// The rightmost address in this header (as set by the trusted proxy), e.g. `X-Forwarded-For`.
    Header(String),
}

/// The client address, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    pub fn to_db(self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let socket = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        let ip = match &state.config.client_ip {
            ClientIpSource::Socket => socket,
            ClientIpSource::Header(name) => parts
                .headers
                .get(name.as_str())
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse().ok())
                .or(socket),
        };
        Ok(ClientIp(ip))
    }
}
