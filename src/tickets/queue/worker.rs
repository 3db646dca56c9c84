//! The delivery worker loop and the retry schedule.

use crate::server::Metrics;
use crate::tickets::config::SupportConfig;
use crate::tickets::store::{Job, Outcome, TicketStore};
use crate::tickets::targets::{Deliverer, Failure};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;

/// The next attempt time after a failure: Retry-After when given (capped), else exponential
/// backoff from `initial` doubling per attempt up to `max`, with ±50 % jitter.
pub fn next_attempt(
    config: &SupportConfig,
    attempts: i64,
    failure: &Failure,
    now: Timestamp,
) -> Timestamp {
    let p = &config.deliveries;
    let max = p.backoff_max.0.unsigned_abs();
    let delay = match failure.retry_after {
        Some(d) => d.min(max),
        None => {
            let exp = attempts.clamp(1, 30) as u32 - 1;
            let base = p
                .backoff_initial
                .0
                .unsigned_abs()
                .saturating_mul(2u32.saturating_pow(exp))
                .min(max);
            base.mul_f64(rand::random_range(0.5..1.5)).min(max)
        }
    };
    now.checked_add(SignedDuration::try_from(delay).unwrap_or(SignedDuration::MAX))
        .unwrap_or(now)
}

/// Outcomes a group commit records at most.
const MAX_RECORD_GROUP: usize = 256;

/// Runs the worker until the task is dropped: one lane per target, so a slow or hanging target
/// never delays the others, and one recorder that commits outcomes as they come.
pub async fn run_worker(store: Arc<dyn TicketStore>, deliverer: Arc<Deliverer>) {
    let _running = deliverer.status.running();
    let (tx, rx) = mpsc::channel(MAX_RECORD_GROUP);
    let mut lanes = JoinSet::new();
    lanes.spawn(record(store.clone(), rx));
    // Jobs of a target no longer configured get a lane too: their attempts fail, back off and
    // end dead after max_attempts, visible in `ayuda tickets list --state dead`.
    let mut targets = deliverer.target_ids();
    match store.pending_targets().await {
        Ok(pending) => {
            for t in pending {
                if !targets.contains(&t) {
                    targets.push(t);
                }
            }
        }
        Err(e) => tracing::warn!("delivery worker: {e}"),
    }
    for target in targets {
        lanes.spawn(lane(store.clone(), deliverer.clone(), target, tx.clone()));
    }
    drop(tx);
    // Lanes run forever; one that ends (a panic) stops the worker, which `/healthz` reports.
    if let Some(done) = lanes.join_next().await {
        match done {
            Err(e) => tracing::error!("delivery worker stopped: {e}"),
            Ok(()) => tracing::error!("delivery worker stopped: a lane ended"),
        }
    }
}

/// Whether the worker runs: set by [`run_worker`], reset when its future ends or is dropped.
#[derive(Debug, Default)]
pub(crate) struct Status(Arc<AtomicU8>);

const NOT_STARTED: u8 = 0;
const RUNNING: u8 = 1;
const STOPPED: u8 = 2;

impl Status {
    fn running(&self) -> StatusGuard {
        self.0.store(RUNNING, Ordering::SeqCst);
        StatusGuard(self.0.clone())
    }

    pub(crate) fn get(&self) -> &'static str {
        match self.0.load(Ordering::SeqCst) {
            NOT_STARTED => "not_started",
            RUNNING => "running",
            _ => "stopped",
        }
    }
}

/// Marks the worker stopped when dropped (return, panic or abort alike).
struct StatusGuard(Arc<AtomicU8>);

impl Drop for StatusGuard {
    fn drop(&mut self) {
        self.0.store(STOPPED, Ordering::SeqCst);
    }
}

/// The worker's own metrics registry, rendered after the service's at `/metrics`.
pub(crate) fn metrics() -> Metrics {
    let m = Metrics::default();
    m.describe(
        "ayuda_delivery_latency_seconds",
        "histogram",
        "Time from a ticket's reception to its delivery, by target.",
    );
    m.describe(
        "ayuda_delivery_attempts_total",
        "counter",
        "Delivery attempts by target and outcome (done, retry, dead).",
    );
    m
}

/// An outcome on its way to the database; the sender is answered once it is committed.
type Record = (i64, Outcome, oneshot::Sender<()>);

/// Commits outcomes in groups: whatever arrived while the previous commit ran.
async fn record(store: Arc<dyn TicketStore>, mut rx: mpsc::Receiver<Record>) {
    let mut group: Vec<Record> = Vec::with_capacity(MAX_RECORD_GROUP);
    while rx.recv_many(&mut group, MAX_RECORD_GROUP).await > 0 {
        let outcomes = group.iter().map(|(id, o, _)| (*id, o.clone())).collect();
        // On failure the leases run out and the jobs are tried again.
        if let Err(e) = store.finish(outcomes).await {
            tracing::error!("recording delivery outcomes: {e}");
        }
        for (_, _, done) in group.drain(..) {
            let _ = done.send(());
        }
    }
}

/// Delivers the jobs of one target with at most `concurrency` claimed and not yet recorded,
/// which bounds what a crash can send twice.
async fn lane(
    store: Arc<dyn TicketStore>,
    d: Arc<Deliverer>,
    target: String,
    recorder: mpsc::Sender<Record>,
) {
    let notify = store.notifier();
    let p = d.config.deliveries.clone();
    let lease = p.timeout.0 + SignedDuration::from_secs(30);
    let slots = Arc::new(Semaphore::new(p.concurrency.max(1)));
    let finished = Arc::new(Notify::new());
    let mut running = JoinSet::new();
    loop {
        while running.try_join_next().is_some() {}
        let Ok(first) = slots.clone().acquire_owned().await else {
            return;
        };
        let mut free = vec![first];
        while let Ok(more) = slots.clone().try_acquire_owned() {
            free.push(more);
        }
        // Enabled before looking, so an insert between the claim and the wait is not missed.
        let inserted = notify.notified();
        tokio::pin!(inserted);
        inserted.as_mut().enable();
        let limit = u32::try_from(free.len()).unwrap_or(u32::MAX);
        let jobs = match store
            .claim(Timestamp::now(), lease, target.clone(), limit)
            .await
        {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!(target = %target, "delivery worker: {e}");
                drop(free);
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if jobs.is_empty() {
            drop(free);
            let wait = match store.next_due(target.clone()).await {
                Ok(Some(t)) => t
                    .duration_since(Timestamp::now())
                    .unsigned_abs()
                    .clamp(Duration::from_millis(10), Duration::from_secs(5)),
                _ => Duration::from_secs(5),
            };
            tokio::select! {
                _ = &mut inserted => {}
                _ = finished.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
            continue;
        }
        for (job, slot) in jobs.into_iter().zip(free) {
            let (d, recorder, finished) = (d.clone(), recorder.clone(), finished.clone());
            let store = store.clone();
            running.spawn(async move {
                let (id, outcome) = attempt(&d, &*store, job).await;
                let (done, committed) = oneshot::channel();
                if recorder.send((id, outcome, done)).await.is_ok() {
                    let _ = committed.await;
                }
                drop(slot);
                finished.notify_one();
            });
        }
    }
}

async fn attempt(d: &Deliverer, store: &dyn TicketStore, job: Job) -> (i64, Outcome) {
    let limit = d.config.deliveries.timeout.0.unsigned_abs();
    let result = match tokio::time::timeout(limit, d.deliver(&job, store)).await {
        Ok(r) => r,
        Err(_) => Err(Failure::new(format!(
            "no answer within {:#}",
            d.config.deliveries.timeout.0
        ))),
    };
    let outcome = match result {
        Ok(()) => {
            tracing::info!(ticket = %job.ticket.id, target = %job.target, "delivered");
            let since = job.event.as_ref().map_or(job.ticket.created, |e| e.at);
            let latency = Timestamp::now().duration_since(since);
            d.metrics.observe(
                "ayuda_delivery_latency_seconds",
                &[("target", &job.target)],
                latency.as_secs_f64().max(0.0),
            );
            Outcome::Done
        }
        Err(f) if f.wait => {
            // Not an attempt: again when the awaited delivery is next tried, else after the
            // first backoff delay; never dead.
            let at = next_attempt(&d.config, 1, &f, Timestamp::now());
            tracing::debug!(ticket = %job.ticket.id, target = %job.target, "delivery waits, again at {at}: {}", f.error);
            Outcome::Retry { at, error: f.error }
        }
        Err(f) if job.attempts >= i64::from(d.config.deliveries.max_attempts) => {
            tracing::error!(ticket = %job.ticket.id, target = %job.target, attempts = job.attempts, "delivery dead: {}", f.error);
            Outcome::Dead { error: f.error }
        }
        Err(f) => {
            let at = next_attempt(&d.config, job.attempts, &f, Timestamp::now());
            tracing::warn!(ticket = %job.ticket.id, target = %job.target, attempts = job.attempts, "delivery failed, retry at {at}: {}", f.error);
            Outcome::Retry { at, error: f.error }
        }
    };
    let name = match outcome {
        Outcome::Done => "done",
        Outcome::Retry { .. } => "retry",
        Outcome::Dead { .. } => "dead",
    };
    d.metrics.inc(
        "ayuda_delivery_attempts_total",
        &[("target", &job.target), ("outcome", name)],
    );
    (job.id, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::store::SqlStore;

    #[tokio::test]
    async fn jobs_of_a_removed_target_end_dead() {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::Config::parse(
            "support:\n  targets: [{kind: jsonl, path: out.jsonl}]\n  deliveries: {max_attempts: 1}\n",
        )
        .unwrap()
        .support;
        let sqlite = SqlStore::open(dir.path()).await.unwrap();
        let ticket = crate::tickets::store::tests::ticket(1);
        let stored = sqlite
            .insert(ticket, vec!["jsonl".into(), "gone".into()])
            .await
            .unwrap();
        let store: Arc<dyn TicketStore> = Arc::new(sqlite);
        let d = Deliverer::new(
            &config,
            dir.path().to_path_buf(),
            "https://help.example.org",
        );
        let worker = tokio::spawn(run_worker(store.clone(), Arc::new(d.unwrap())));
        let start = std::time::Instant::now();
        let view = loop {
            let view = store.get(stored.id.clone()).await.unwrap().unwrap();
            if view.deliveries.iter().all(|j| j.state != "pending") {
                break view;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{view:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        worker.abort();
        let states: Vec<(&str, &str)> = view
            .deliveries
            .iter()
            .map(|j| (j.target.as_str(), j.state.as_str()))
            .collect();
        assert_eq!(states, [("jsonl", "done"), ("gone", "dead")]);
        let error = view.deliveries[1].last_error.as_deref().unwrap_or_default();
        assert!(error.contains("no longer configured"), "{error}");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let c = SupportConfig::default();
        let now = Timestamp::UNIX_EPOCH;
        let f = Failure::new("x");
        let d1 = next_attempt(&c, 1, &f, now).duration_since(now);
        let d5 = next_attempt(&c, 5, &f, now).duration_since(now);
        let d30 = next_attempt(&c, 30, &f, now).duration_since(now);
        assert!(
            d1 >= SignedDuration::from_millis(2500) && d1 <= SignedDuration::from_millis(7500),
            "{d1:?}"
        );
        assert!(d5 >= SignedDuration::from_secs(40), "{d5:?}");
        assert!(d30 <= SignedDuration::from_hours(1), "{d30:?}");
        let ra = Failure {
            retry_after: Some(Duration::from_secs(20)),
            ..Failure::new("429")
        };
        assert_eq!(
            next_attempt(&c, 1, &ra, now).duration_since(now),
            SignedDuration::from_secs(20)
        );
    }
}
