//! A request's record on its way to the collector.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc::error::TrySendError;

use super::InFlightStarts;
use super::RecordSender;
use crate::record::RequestRecord;

/// A record to send, and the in-flight start its sending releases (only then may the sweep pass
/// that start). Sending waits while the collector is behind; a delivery dropped before its record
/// went out (its task aborted when Ctrl-C's grace period ended, the collector behind) hands the
/// record to a task of its own: no record is lost, and the wait stays bounded otherwise.
pub(super) struct Delivery<'a> {
    pub(super) record: Option<Box<RequestRecord>>,
    pub(super) records: &'a RecordSender,
    pub(super) release: Option<(Arc<InFlightStarts>, Instant)>,
}

impl Delivery<'_> {
    /// Sends the record, waiting for room in the channel.
    pub(super) async fn send(mut self) {
        if let Ok(permit) = self.records.reserve().await
            && let Some(record) = self.record.take()
        {
            permit.send(record);
        }
    }
}

impl Drop for Delivery<'_> {
    fn drop(&mut self) {
        if let Some(record) = self.record.take() {
            match self.records.try_send(record) {
                // Dropping cannot wait: a task waits for room, and releases the start after.
                Err(TrySendError::Full(record)) if tokio::runtime::Handle::try_current().is_ok() => {
                    let (records, release) = (self.records.clone(), self.release.take());
                    tokio::spawn(async move {
                        let _ = records.send(record).await;
                        if let Some((starts, at)) = release {
                            starts.released(at);
                        }
                    });
                }
                // Sent, or nobody collects any more.
                _ => {}
            }
        }
        if let Some((starts, at)) = self.release.take() {
            starts.released(at);
        }
    }
}
