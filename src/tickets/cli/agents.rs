//! `ayuda agents add|list|revoke`: the keys the team's tools use on
//! `POST /api/tickets/{id}/events` (stored hashed in the queue database).

use crate::tickets::queue::agents::AgentKeys;
use crate::tickets::queue::database::DatabaseUrl;
use anyhow::Result;
use clap::Subcommand;
use std::process::ExitCode;

/// The `agents` subcommands.
#[derive(Subcommand, Debug)]
pub enum AgentsCommand {
    /// Issue a key for agent (or tool) NAME; the key is printed once and only its hash is stored.
    Add { name: String },
    /// List agents and their keys' state.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke the active key of agent NAME.
    Revoke { name: String },
}

/// Runs an `agents` subcommand on the queue in `data`.
pub fn run_agents(command: AgentsCommand, db: &DatabaseUrl) -> Result<ExitCode> {
    super::runtime()?.block_on(async {
        let agents = AgentKeys::connect(db).await?;
        match command {
            AgentsCommand::Add { name } => {
                let key = agents.add(&name).await?;
                println!("{key}");
                eprintln!(
                    "Key for agent {} stored as a hash in {db}. Give it to the tool now: it is not shown again.",
                    name.trim(),
                );
            }
            AgentsCommand::List { json } => {
                let list = agents.list().await?;
                if json {
                    println!("{}", serde_json::to_string(&list)?);
                }
                for a in list.iter().filter(|_| !json) {
                    let state = if a.active { "active" } else { "revoked" };
                    println!("{}\t{}\t{state}", a.name, a.created);
                }
            }
            AgentsCommand::Revoke { name } => {
                agents.revoke(&name).await?;
                eprintln!("Revoked the key of agent {}.", name.trim());
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
