//! The delivery worker loop and the retry schedule.

use super::{Deliverer, Failure};
use crate::tickets::config::SupportConfig;
use crate::tickets::store::{Job, Outcome, TicketStore};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::time::Duration;

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

/// Runs the worker until the task is dropped: claims due jobs, delivers them concurrently, and
/// records each outcome; sleeps until the next due job or a new ticket.
pub async fn run_worker(store: Arc<dyn TicketStore>, deliverer: Arc<Deliverer>) {
    let notify = store.notifier();
    let p = deliverer.config.deliveries.clone();
    let lease = p.timeout.0 + SignedDuration::from_secs(30);
    let concurrency = p.concurrency.max(1);
    loop {
        let jobs = match store
            .claim(Timestamp::now(), lease, concurrency as u32 * 4)
            .await
        {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!("delivery worker: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if jobs.is_empty() {
            let wait = match store.next_due().await {
                Ok(Some(t)) => t
                    .duration_since(Timestamp::now())
                    .unsigned_abs()
                    .min(Duration::from_secs(5))
                    .max(Duration::from_millis(10)),
                _ => Duration::from_secs(5),
            };
            tokio::select! {
                _ = notify.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
            continue;
        }
        let sem = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let mut set = tokio::task::JoinSet::new();
        for job in jobs {
            let Ok(permit) = sem.clone().acquire_owned().await else {
                break;
            };
            let d = deliverer.clone();
            set.spawn(async move {
                let _permit = permit;
                attempt(&d, job).await
            });
        }
        let mut outcomes = Vec::new();
        while let Some(r) = set.join_next().await {
            if let Ok(o) = r {
                outcomes.push(o);
            }
        }
        // One transaction records the whole batch; a failure leaves the leases to expire.
        if let Err(e) = store.finish(outcomes).await {
            tracing::error!("recording delivery outcomes: {e}");
        }
    }
}

async fn attempt(d: &Deliverer, job: Job) -> (i64, Outcome) {
    let outcome = match d.deliver(&job.target, &job.ticket).await {
        Ok(()) => {
            tracing::info!(ticket = %job.ticket.id, target = %job.target, "delivered");
            Outcome::Done
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
    (job.id, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            error: "429".into(),
            retry_after: Some(Duration::from_secs(20)),
        };
        assert_eq!(
            next_attempt(&c, 1, &ra, now).duration_since(now),
            SignedDuration::from_secs(20)
        );
    }
}
