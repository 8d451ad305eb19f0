//! `Outbox`: this replica's handle on the webhook outbox, in `AppState`. It writes events handed
//! to it by callers that cannot wait (`send_auth`) into the store, in the order they came, and
//! wakes the local worker; and it names this replica's worker as a lease holder.

use crate::store::{NewWebhookEvent, Store};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Waits before the second and third try at writing an event the store refused.
const WRITE_RETRIES: [Duration; 2] = [Duration::from_millis(200), Duration::from_secs(1)];

pub struct Outbox {
    /// Lease holder name of this replica's worker (unique per process).
    holder: String,
    wake: Notify,
    /// Events handed over and not yet written, oldest first.
    queue: Mutex<VecDeque<NewWebhookEvent>>,
    /// Held while the queue is written: one writer at a time keeps the order.
    writing: tokio::sync::Mutex<()>,
}

impl Default for Outbox {
    fn default() -> Self {
        Self {
            holder: format!("replica-{}", uuid::Uuid::new_v4()),
            wake: Notify::new(),
            queue: Mutex::new(VecDeque::new()),
            writing: tokio::sync::Mutex::new(()),
        }
    }
}

impl Outbox {
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Tell the local worker there is work (an event written or replayed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves after the next `wake` (or at once for one that came since the last wait).
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    /// Write `event` soon, after every event handed over before it; never waits. The event is
    /// durable once the write finished (within milliseconds); a write the store keeps refusing
    /// is logged.
    pub fn hand_over(self: &Arc<Self>, store: Arc<dyn Store>, event: NewWebhookEvent) {
        match self.queue.lock() {
            Ok(mut queue) => queue.push_back(event),
            Err(poisoned) => poisoned.into_inner().push_back(event),
        }
        let outbox = self.clone();
        tokio::spawn(async move { outbox.write_queue(store.as_ref()).await });
    }

    /// Write every queued event, oldest first. Whichever task takes the lock first writes all
    /// that is queued by then; the others find less or nothing.
    async fn write_queue(&self, store: &dyn Store) {
        let _writing = self.writing.lock().await;
        while let Some(event) = self.pop() {
            write(store, &event).await;
        }
        self.wake();
    }

    fn pop(&self) -> Option<NewWebhookEvent> {
        match self.queue.lock() {
            Ok(mut queue) => queue.pop_front(),
            Err(poisoned) => poisoned.into_inner().pop_front(),
        }
    }
}

async fn write(store: &dyn Store, event: &NewWebhookEvent) {
    let mut waits = WRITE_RETRIES.iter();
    loop {
        let Err(error) = store.insert_webhook_event(event).await else { return };
        match waits.next() {
            Some(wait) => tokio::time::sleep(*wait).await,
            None => {
                let host = super::deliver::host_of(&event.url);
                tracing::error!(event_id = %event.id, %host, %error, "webhook event lost: the store refused it");
                return;
            }
        }
    }
}
