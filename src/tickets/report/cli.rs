//! `ayuda report tickets`: reads the queue database and prints or writes the report.

use super::{TicketReport, bounds, compute, html, period, text};
use crate::tickets::calendar::Calendar;
use crate::tickets::queue::database::{DatabaseUrl, connect};
use crate::tickets::queue::report::{open_by_level, report_tickets, survey_answers};
use crate::tickets::store::StoreError;
use anyhow::{Context, Result, anyhow, bail};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use sqlx::AnyPool;
use std::path::{Path, PathBuf};

/// The options of `ayuda report tickets` (`--root` and `--data` are `report`'s).
#[derive(Debug, clap::Args)]
pub struct TicketsReportArgs {
    /// First day (2026-03-01), in the support calendar's zone (default: 27 days before --to).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day, included (default: today in the support calendar's zone).
    #[arg(long)]
    pub to: Option<String>,
    /// Print JSON: {"received_per_day", "weeks", "first_response", "open_by_level", ...}.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print one CSV table: table,period,group,metric,value.
    #[arg(long)]
    pub csv: bool,
    /// Write the report as a self-contained HTML page with SVG charts to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

fn date(flag: &str, text: Option<&str>) -> Result<Option<Date>> {
    text.map(|t| {
        t.trim()
            .parse::<Date>()
            .map_err(|_| anyhow!("{flag}: {t:?} is not a date such as 2026-03-01"))
    })
    .transpose()
}

/// The report of the queue database `pool` for the days `from`..=`to` of `tz` at `now`.
pub async fn report(
    pool: &AnyPool,
    tz: &TimeZone,
    time_zone: &str,
    days: (Date, Date),
    now: Timestamp,
) -> Result<TicketReport, StoreError> {
    let (start, end) = bounds(tz, days.0, days.1).map_err(StoreError::Data)?;
    let tickets = report_tickets(pool, start, end).await?;
    let answers = survey_answers(pool, start, end).await?;
    let open = open_by_level(pool).await?;
    Ok(compute(&tickets, &answers, open, tz, time_zone, days, now))
}

/// Runs `ayuda report tickets` on the site at `root` and the queue database `db`.
pub fn run(args: &TicketsReportArgs, root: &Path, db: &DatabaseUrl) -> Result<()> {
    let config = crate::Config::load(root).map_err(|e| anyhow!("{e}"))?;
    let cal = Calendar::from_config(&config.support).map_err(|(k, m)| anyhow!("{k}: {m}"))?;
    let tz = cal.time_zone();
    let now = Timestamp::now();
    let days = period(
        tz,
        now,
        date("--from", args.from.as_deref())?,
        date("--to", args.to.as_deref())?,
    )
    .map_err(|e| anyhow!(e))?;
    if !db.exists() {
        bail!("no ticket queue in {db}: pass the service's data folder with --data, or --database");
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let r = runtime.block_on(async {
        let pool = connect(db).await?.pool;
        report(&pool, tz, cal.time_zone_name(), days, now).await
    })?;
    if let Some(file) = &args.html {
        std::fs::write(file, html::render_html(&r, html::Styles::Inline))
            .with_context(|| format!("writing {}", file.display()))?;
        eprintln!("wrote {}", file.display());
    }
    if args.json {
        println!("{}", serde_json::to_string(&r)?);
    } else if args.csv {
        print!("{}", text::render_csv(&r));
    } else if args.html.is_none() {
        print!("{}", text::render_text(&r));
    }
    Ok(())
}
