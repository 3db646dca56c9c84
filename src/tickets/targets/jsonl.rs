//! The JSONL target: one event per line, appended and synced, in a file of the data folder.

use super::{Deliverer, Failure};
use crate::tickets::config::TargetConfig;
use crate::tickets::store::{Ticket, TicketEvent};

impl Deliverer {
    pub(super) async fn jsonl(
        &self,
        t: &TargetConfig,
        ticket: &Ticket,
        event: Option<&TicketEvent>,
    ) -> Result<(), Failure> {
        let path = self
            .data
            .join(t.path.as_deref().unwrap_or("deliveries.jsonl"));
        let mut line = serde_json::to_vec(&self.event(ticket, event))
            .map_err(|e| Failure::new(e.to_string()))?;
        line.push(b'\n');
        let _guard = self.file_lock.lock().await;
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = crate::private::options()
                .create(true)
                .append(true)
                .open(&path)?;
            f.write_all(&line)?;
            f.sync_data()
        })
        .await
        .map_err(|e| Failure::new(e.to_string()))?
        .map_err(|e| Failure::new(format!("jsonl: {e}")))
    }
}
