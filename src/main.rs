//! The `ayuda` command line: parse arguments, call the library, map outcomes to exit codes
//! (0 success, 1 content errors, 2 usage or configuration errors).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use ayuda::site::{self, BuildOptions, BuildReport};
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

mod commands;
use commands::*;

/// ayuda: a fast, multi-locale, searchable help center built from Markdown.
#[derive(Parser)]
#[command(version, about, long_about = None, after_help = "Exit codes: 0 success, 1 content errors, 2 usage or configuration errors.\nMore output: RUST_LOG=debug. JSON logs: AYUDA_LOG_FORMAT=json.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the static help center into OUT/site and the search indexes into OUT/search.
    Build(BuildArgs),
    /// Check the content like a build and report problems; writes nothing.
    Check(CheckArgs),
    /// Create a new article with front matter in the right folder.
    New(NewArgs),
    /// Create a small working help center in DIR.
    Init(InitArgs),
    /// Print the escalation plan of a ticket of TYPE received at an instant: deadlines, who is
    /// told what and when, and the support levels (text, or JSON with --json).
    Sla(SlaArgs),
    /// Issue, list and revoke partner keys.
    Partners(PartnersArgs),
    /// Issue, list and revoke agent keys (tools reporting to POST /api/tickets/{id}/events).
    Agents(AgentsArgs),
    /// Read the ticket queue.
    Tickets(TicketsArgs),
    /// Search a built help center (DIST/search) from the command line.
    Search(SearchArgs),
    /// Print the most frequent searches that found nothing, per locale (the search part of
    /// `ayuda report content`).
    SearchReport(SearchReportArgs),
    /// Reports from the service's data: `report content` is the writers' to-do list,
    /// `report tickets` the ticket administrator's figures.
    Report(ReportArgs),
    /// Serve the help center with search and tickets: `--dist DIR` serves a build (ops);
    /// otherwise builds ROOT into memory, watches it, rebuilds what changed and live-reloads
    /// open pages (writers; see docs/serve.md).
    Serve(ServeArgs),
}

#[derive(Args)]
struct SlaArgs {
    /// Request type id (e.g. technical).
    #[arg(long = "type")]
    kind: String,
    /// Reception instant in RFC 3339, e.g. 2026-03-06T17:30:00-05:00.
    #[arg(long)]
    at: String,
    /// Site root: the folder with ayuda.yaml.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Compact JSON on one line (default: pretty JSON): the deadlines, the escalation `plan`
    /// and the `levels`.
    #[arg(long)]
    json: bool,
    /// The escalation plan as text for people: who is told what, when, and who levels 1–3 are.
    #[arg(long, conflicts_with = "json")]
    plan: bool,
    /// Language of the role and level names (default: the site's default locale).
    #[arg(long)]
    locale: Option<String>,
}

#[derive(Args)]
struct SearchArgs {
    /// What to look for, as a partner would type it.
    query: String,
    /// Built output folder (holds search/).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// Locale to search (default: the site's default locale).
    #[arg(long)]
    locale: Option<String>,
    /// Only this category (its key).
    #[arg(long)]
    category: Option<String>,
    /// Number of results.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Print JSON: {"total", "hits": [{"id", "title", "url", "locale", "category", "snippet", "score"}]}.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct DataArgs {
    /// Site root: the folder with ayuda.yaml.
    #[arg(long, default_value = ".", global = true)]
    root: PathBuf,
    /// Where the queue and partner keys live (default: ROOT/data).
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    /// The shared database: postgres://USER@HOST/DB, or an SQLite file (path or sqlite://PATH)
    /// (default: $AYUDA_DATABASE_URL, else DATA/tickets.sqlite).
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
}

#[derive(Args)]
struct PartnersArgs {
    #[command(subcommand)]
    command: PartnersCommand,
    #[command(flatten)]
    dirs: DataArgs,
}

#[derive(Subcommand)]
enum PartnersCommand {
    /// Issue a key for partner NAME; the key is printed once and only its hash is stored.
    Add { name: String },
    /// List partners and their keys' state.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke the active key of partner NAME.
    Revoke { name: String },
}

#[derive(Args)]
struct AgentsArgs {
    #[command(subcommand)]
    command: ayuda::tickets::cli::AgentsCommand,
    #[command(flatten)]
    dirs: DataArgs,
}

#[derive(Args)]
struct TicketsArgs {
    #[command(subcommand)]
    command: ayuda::tickets::cli::TicketsCommand,
    #[command(flatten)]
    dirs: DataArgs,
}

#[derive(Args)]
struct SearchReportArgs {
    /// The service's data folder (holds search-gaps.json).
    #[arg(long, default_value = "data")]
    data: PathBuf,
    /// The shared database, when the service runs on PostgreSQL (default:
    /// $AYUDA_DATABASE_URL; the data folder's files otherwise).
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Queries shown per locale.
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ReportArgs {
    #[command(subcommand)]
    command: ReportCommand,
    #[command(flatten)]
    dirs: DataArgs,
}

#[derive(Subcommand)]
enum ReportCommand {
    /// What partners did not find, per locale, most impact first: searches with no result,
    /// searches whose results nobody opened, articles voted unhelpful (with comments), and
    /// articles opened from the ticket form's suggestions before a ticket was sent anyway.
    Content {
        /// Only what happened since this date (2026-03-01) or RFC 3339 instant.
        #[arg(long)]
        since: Option<String>,
        /// The build whose theme/articles.json names each article's source file
        /// (default: ROOT/dist).
        #[arg(long)]
        dist: Option<PathBuf>,
        /// Print JSON: {"since", "locales": {"es": [{"kind", "impact", "query" | "article", ...}]}}.
        #[arg(long)]
        json: bool,
    },
    /// The ticket administrator's figures: tickets received per day, first-response SLA met,
    /// breached and pending per ISO week by type and agent, median and p90 first-response
    /// time, open tickets by level, satisfaction; as text, --json, --csv or --html FILE.
    Tickets(ayuda::tickets::report::cli::TicketsReportArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Serve this built output folder (production); no content is read.
    #[arg(long, conflicts_with = "root")]
    dist: Option<PathBuf>,
    /// Site root to build, watch and serve with live reload (writers; default: the current folder).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// Data folder for zero-result queries (default: DIST/../data, or ROOT/data).
    #[arg(long)]
    data: Option<PathBuf>,
    /// The shared database: postgres://USER@HOST/DB for several instances, or an SQLite file
    /// (path or sqlite://PATH) (default: $AYUDA_DATABASE_URL, else DATA/tickets.sqlite).
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Writers: poll the files for changes instead of waiting for file system events (WSL2,
    /// network mounts, containers).
    #[arg(long, conflicts_with = "dist")]
    poll: bool,
    /// Open the site in the default browser.
    #[arg(long)]
    open: bool,
}

#[derive(Args)]
struct BuildArgs {
    /// Site root: the folder with ayuda.yaml and content/.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Output folder (default: ROOT/dist).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Include draft and archived articles.
    #[arg(long)]
    drafts: bool,
    /// Absolute URL the site is published at (overrides base_url).
    #[arg(long)]
    base_url: Option<String>,
    /// Print one JSON object with counts and diagnostics on stdout.
    #[arg(long)]
    json: bool,
    /// Write no search indexes (for benchmarks: what indexing adds to a build).
    #[arg(long, hide = true)]
    skip_search: bool,
}

#[derive(Args)]
struct CheckArgs {
    /// Site root: the folder with ayuda.yaml and content/.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Print one JSON object with counts and diagnostics on stdout.
    #[arg(long)]
    json: bool,
    /// Also list the Markdown files left out on purpose (names starting with `_`).
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Args)]
struct NewArgs {
    /// Title of the article.
    title: Option<String>,
    /// Site root.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Locale of the article (default: the site's default locale).
    #[arg(long)]
    locale: Option<String>,
    /// Category folder to put it in.
    #[arg(long)]
    category: Option<String>,
    /// Start a translation of the article with this id (title defaults to the original's).
    #[arg(long)]
    translate: Option<String>,
}

#[derive(Args)]
struct InitArgs {
    /// Folder to create (default: the current folder).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

fn main() -> ExitCode {
    init_logging();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if !serves(&cli) {
        end_quietly_on_a_closed_pipe();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Whether the command runs a service, which must outlive clients that close their sockets.
fn serves(cli: &Cli) -> bool {
    match &cli.command {
        Command::Serve(_) => true,
        Command::Tickets(t) => matches!(
            t.command,
            ayuda::tickets::cli::TicketsCommand::ServeApi { .. }
        ),
        _ => false,
    }
}

/// Commands whose output is piped (`ayuda search … | head`) end when the reader closes the
/// pipe, as other command-line tools do, instead of panicking in `println!`. Rust ignores
/// SIGPIPE by default; this gives it back its default action for the commands that only print.
fn end_quietly_on_a_closed_pipe() {
    // SAFETY: called once at start, before any thread exists; `signal` with SIG_DFL only
    // resets the disposition and touches no memory.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Colours only for a person at a terminal: files and log collectors get plain text.
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    if std::env::var("AYUDA_LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Build(args) => {
            let opts = BuildOptions {
                root: args.root,
                out: args.out,
                drafts: args.drafts,
                base_url: args.base_url,
                writer_mode: false,
                progress: !args.json && std::io::stderr().is_terminal(),
                skip_search: args.skip_search,
            };
            Ok(report(site::build(&opts), args.json, "built"))
        }
        Command::Check(args) => {
            let opts = BuildOptions {
                root: args.root,
                ..Default::default()
            };
            let verbose = args.verbose;
            let checked = site::check(&opts).map(|mut r| {
                if !verbose {
                    r.skipped.clear();
                }
                r
            });
            Ok(report(checked, args.json, "checked"))
        }
        Command::New(args) => {
            let path = ayuda::scaffold::new_article(
                &args.root,
                args.title.as_deref(),
                args.locale.as_deref(),
                args.category.as_deref(),
                args.translate.as_deref(),
            )?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Init(args) => {
            ayuda::scaffold::init(&args.dir)?;
            println!(
                "Created a help center in {}. Next: cd {} && ayuda serve",
                args.dir.display(),
                args.dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Sla(args) => {
            let locale = args.locale.as_deref();
            if args.plan {
                print!(
                    "{}",
                    ayuda::tickets::cli::sla_text(&args.root, &args.kind, &args.at, locale)?
                );
            } else {
                let v = ayuda::tickets::cli::sla(&args.root, &args.kind, &args.at, locale)?;
                if args.json {
                    println!("{v}");
                } else {
                    println!("{}", serde_json::to_string_pretty(&v)?);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Partners(args) => partners(args),
        Command::Agents(args) => {
            let data = ayuda::tickets::cli::data_dir(&args.dirs.root, args.dirs.data);
            let db = ayuda::tickets::cli::database(args.dirs.database.as_deref(), &data)?;
            ayuda::tickets::cli::run_agents(args.command, &db)
        }
        Command::Tickets(args) => tickets(args),
        Command::Search(args) => search(args),
        Command::SearchReport(args) => search_report(args),
        Command::Report(args) => report_command(args),
        Command::Serve(args) => serve(args),
    }
}
