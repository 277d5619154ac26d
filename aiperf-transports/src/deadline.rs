//! The per-request time limit every network transport applies.

use std::future::Future;
use std::time::Duration;

use aiperf_core::TransportError;

/// Runs `exchange`, failing with [`TransportError::Timeout`] if it takes longer than `limit`.
pub(crate) async fn within<T>(limit: Duration, exchange: impl Future<Output = Result<T, TransportError>>) -> Result<T, TransportError> {
    tokio::time::timeout(limit, exchange).await.map_err(|_| TransportError::Timeout(limit))?
}
