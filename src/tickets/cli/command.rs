//! `ayuda tickets …`: the queue views (`list`, `show`) and the agents' lifecycle actions
//! (`ack`, `assign`, `escalate`, `resolve`, `close`, `reopen`, `note`). `main.rs` flattens
//! [`TicketsCommand`] into its command line and calls [`run`].

use super::{serve_api, tickets_change, tickets_list, tickets_show, tickets_watch};
use crate::tickets::escalation::lifecycle::{Action, Change, Status};
use crate::tickets::queue::database::DatabaseUrl;
use crate::tickets::store::{Changed, ListFilter, TicketSummary, TicketView};
use anyhow::{Result, anyhow};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The `ayuda tickets` subcommands.
#[derive(Subcommand)]
pub enum TicketsCommand {
    /// List tickets, newest first.
    List {
        /// Only tickets with this status (received, acknowledged, in_progress, resolved,
        /// closed, reopened) or delivery state (pending, delivered, dead).
        #[arg(long, visible_alias = "state")]
        status: Option<String>,
        /// Only tickets at this support level (1, 2, 3).
        #[arg(long)]
        level: Option<u8>,
        /// Only tickets past their first-response breach time without a timely answer.
        #[arg(long)]
        breached: bool,
        #[arg(long)]
        json: bool,
    },
    /// Show one ticket by reference (e.g. T-7K3M-Q9) with its events and deliveries.
    Show {
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge: the first response is given (sets first_response_at, which decides "SLA met").
    Ack(ChangeArgs),
    /// Assign to a contact role or an agent (--to).
    Assign(ChangeArgs),
    /// Escalate to the next level, or to --level N (2 or 3); --to names the new assignee.
    Escalate(ChangeArgs),
    /// Mark resolved.
    Resolve(ChangeArgs),
    /// Close a resolved ticket (the partner confirmed or did not answer).
    Close(ChangeArgs),
    /// Reopen a resolved or closed ticket.
    Reopen(ChangeArgs),
    /// Add a note (--note TEXT; --public when the partner may see it).
    Note(ChangeArgs),
    /// Run the SLA watcher on the queue: with --once one look (for cron), else every
    /// support.watcher.interval. The service runs it already; the running service's worker
    /// delivers what it records. Only the holder of the watcher lease acts.
    Watch {
        /// One look at the queue, then exit.
        #[arg(long)]
        once: bool,
        /// Print what a look recorded as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve only the ticket API and run deliveries (ops and tests).
    #[command(hide = true)]
    ServeApi {
        /// Address to listen on (port 0 picks one; the address is printed).
        #[arg(long, default_value = "127.0.0.1:8081")]
        bind: String,
        /// A built site whose theme renders the form and thank-you pages.
        #[arg(long)]
        dist: Option<PathBuf>,
    },
}

/// The options every lifecycle action takes.
#[derive(Args)]
pub struct ChangeArgs {
    /// The ticket reference (e.g. T-7K3M-Q9).
    reference: String,
    /// The new assignee: a contact role or an agent name (assign, escalate).
    #[arg(long)]
    to: Option<String>,
    /// The new level, 2 or 3 (escalate; default: the next one).
    #[arg(long)]
    level: Option<u8>,
    /// A note recorded with the change.
    #[arg(long)]
    note: Option<String>,
    /// The note may be shown to the partner.
    #[arg(long)]
    public: bool,
    /// Who acts, as recorded in the event (default: $USER).
    #[arg(long = "as", value_name = "NAME")]
    actor: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

impl ChangeArgs {
    fn change(&self, action: Action) -> Change {
        let actor = self
            .actor
            .clone()
            .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "agent".into());
        Change {
            action,
            actor,
            to: self.to.clone(),
            level: self.level,
            note: self.note.clone(),
            public: self.public,
        }
    }
}

/// Runs one `ayuda tickets` command on the data folder `data` and the database `db`.
pub fn run(
    command: TicketsCommand,
    root: &Path,
    data: &Path,
    db: &DatabaseUrl,
) -> Result<ExitCode> {
    let (action, args) = match command {
        TicketsCommand::List {
            status,
            level,
            breached,
            json,
        } => {
            let filter = list_filter(status, level, breached)?;
            print_list(&tickets_list(db, filter)?, json)?;
            return Ok(ExitCode::SUCCESS);
        }
        TicketsCommand::Watch { once, json } => {
            let report = |t: &crate::tickets::escalation::watcher::Tick| {
                if json {
                    let recorded: Vec<serde_json::Value> = t
                        .recorded
                        .iter()
                        .map(|(id, e)| serde_json::json!({"ticket": id, "event": e}))
                        .collect();
                    let v = serde_json::json!({"leader": t.leader, "recorded": recorded, "skipped": t.skipped});
                    println!("{v}");
                } else if !t.leader {
                    println!("another process holds the watcher lease; nothing done");
                } else {
                    for (id, e) in &t.recorded {
                        println!("{id}  {e}");
                    }
                }
            };
            tickets_watch(root, db, once, report)?;
            return Ok(ExitCode::SUCCESS);
        }
        TicketsCommand::Show { reference, json } => {
            return match tickets_show(db, &reference)? {
                Some(v) if json => {
                    println!("{}", serde_json::to_string(&v)?);
                    Ok(ExitCode::SUCCESS)
                }
                Some(v) => {
                    print_view(&v);
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!("error: no ticket {reference}");
                    Ok(ExitCode::from(1))
                }
            };
        }
        TicketsCommand::ServeApi { bind, dist } => {
            serve_api(root, data, db, dist.as_deref(), &bind)?;
            return Ok(ExitCode::SUCCESS);
        }
        TicketsCommand::Ack(a) => (Action::Ack, a),
        TicketsCommand::Assign(a) => (Action::Assign, a),
        TicketsCommand::Escalate(a) => (Action::Escalate, a),
        TicketsCommand::Resolve(a) => (Action::Resolve, a),
        TicketsCommand::Close(a) => (Action::Close, a),
        TicketsCommand::Reopen(a) => (Action::Reopen, a),
        TicketsCommand::Note(a) => (Action::Note, a),
    };
    let changed = tickets_change(root, db, &args.reference, args.change(action))?;
    print_changed(&changed, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// The filter of `tickets list`, refusing a status that is neither a ticket status nor a
/// delivery state.
fn list_filter(status: Option<String>, level: Option<u8>, breached: bool) -> Result<ListFilter> {
    if let Some(s) = status.as_deref()
        && !["pending", "delivered", "dead"].contains(&s)
    {
        Status::parse(s).map_err(|e| anyhow!("--status: {e}, or pending, delivered, dead"))?;
    }
    if let Some(l) = level
        && !(1..=crate::tickets::escalation::lifecycle::MAX_LEVEL).contains(&l)
    {
        return Err(anyhow!("--level: {l} is not a support level (1, 2, 3)"));
    }
    Ok(ListFilter {
        status,
        level,
        breached,
    })
}

fn print_list(list: &[TicketSummary], json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(list)?);
        return Ok(());
    }
    for t in list {
        println!(
            "{}\t{}\t{}\tL{}\t{}\t{}\tbreach {}{}\t{}\t{}",
            t.id,
            t.kind,
            t.status,
            t.level,
            t.assignee.as_deref().unwrap_or("-"),
            t.deliveries,
            t.first_response_breach,
            if t.breached { " (breached)" } else { "" },
            t.partner,
            t.subject
        );
    }
    Ok(())
}

fn print_changed(c: &Changed, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(c)?);
        return Ok(());
    }
    let e = &c.event;
    println!(
        "{}: {} → {} (level {}{}), event {} {}",
        c.id,
        e.from,
        e.to,
        c.level,
        c.assignee
            .as_deref()
            .map(|a| format!(", assigned to {a}"))
            .unwrap_or_default(),
        e.id,
        e.event
    );
    if c.deliveries.is_empty() {
        eprintln!(
            "warning: no target takes lifecycle events in this configuration (--root): the change is recorded, not notified."
        );
    } else {
        eprintln!(
            "Queued for {}; the running service delivers it.",
            c.deliveries.join(", ")
        );
    }
    Ok(())
}

/// `tickets show` for people: the ticket, its timeline, its deliveries.
fn print_view(v: &TicketView) {
    let t = &v.ticket;
    let sla = match v.sla_met {
        Some(true) => "met",
        Some(false) => "breached",
        None => "open",
    };
    println!("{} · {}", v.id, t.subject);
    println!(
        "{} · level {} · {} · SLA {sla} (breach {})",
        v.status,
        v.level,
        v.assignee.as_deref().unwrap_or("unassigned"),
        t.deadlines.first_response_breach
    );
    println!("{} <{}> · {} · {}", t.name, t.email, t.partner, t.kind);
    println!("\n{}\n", t.description);
    println!("{}  received", t.created);
    for e in &v.events {
        let level = if e.from_level == e.to_level {
            String::new()
        } else {
            format!(", level {} → {}", e.from_level, e.to_level)
        };
        println!(
            "{}  {} by {}: {} → {}{level}{}",
            e.at,
            e.action.as_str(),
            e.actor,
            e.from,
            e.to,
            e.assignee
                .as_deref()
                .map(|a| format!(", assignee {a}"))
                .unwrap_or_default()
        );
        if let Some(note) = &e.note {
            let public = if e.public { " (public)" } else { "" };
            println!("    note{public}: {note}");
        }
        if !e.notified.is_empty() {
            let who: Vec<&str> = e.notified.iter().map(|n| n.name.as_str()).collect();
            println!("    {}: notified {}", e.event, who.join(", "));
        }
    }
    println!();
    for d in &v.deliveries {
        println!(
            "{} {}: {} after {} attempt(s){}",
            d.target,
            d.event,
            d.state,
            d.attempts,
            d.last_error
                .as_deref()
                .map(|e| format!(" (last error: {e})"))
                .unwrap_or_default()
        );
    }
}
