//! The binary's command runners, one per subcommand that does more than call the library
//! once (declared by main.rs; not part of the library).

use super::*;

pub(crate) fn partners(args: PartnersArgs) -> anyhow::Result<ExitCode> {
    use ayuda::tickets::cli;
    let data = cli::data_dir(&args.dirs.root, args.dirs.data);
    let db = cli::database(args.dirs.database.as_deref(), &data)?;
    let place = match &db {
        ayuda::tickets::queue::database::DatabaseUrl::Postgres(_) => db.to_string(),
        _ => data.display().to_string(),
    };
    match args.command {
        PartnersCommand::Add { name } => {
            let key = cli::partners_add(&data, &db, &name)?;
            println!("{key}");
            eprintln!(
                "Key for {name} stored as a hash in {place}. Give it to the partner now: it is not shown again."
            );
        }
        PartnersCommand::List { json } => {
            let list = cli::partners_list(&data, &db)?;
            if json {
                println!("{}", serde_json::Value::Array(list));
            } else {
                for p in list {
                    let state = if p["active"] == true {
                        "active"
                    } else {
                        "revoked"
                    };
                    println!(
                        "{}\t{}\t{}\t{state}",
                        p["name"].as_str().unwrap_or(""),
                        p["key_id"].as_str().unwrap_or(""),
                        p["created"].as_str().unwrap_or("")
                    );
                }
            }
        }
        PartnersCommand::Revoke { name } => {
            cli::partners_revoke(&data, &db, &name)?;
            eprintln!("Revoked the key of {name}.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn tickets(args: TicketsArgs) -> anyhow::Result<ExitCode> {
    let data = ayuda::tickets::cli::data_dir(&args.dirs.root, args.dirs.data);
    let db = ayuda::tickets::cli::database(args.dirs.database.as_deref(), &data)?;
    ayuda::tickets::cli::run(args.command, &args.dirs.root, &data, &db)
}

pub(crate) fn search(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let engine = ayuda::search::Engine::open(&args.dist)?;
    let results = engine.search(&ayuda::search::SearchRequest {
        query: args.query,
        locale: args.locale,
        category: args.category,
        limit: Some(args.limit),
        page: Some(1),
        ..Default::default()
    })?;
    if args.json {
        // The same answer as `GET /api/search`.
        println!("{}", serde_json::to_string(&results)?);
    } else {
        for (i, h) in results.hits.iter().enumerate() {
            println!("{:>2}. {}  {}", i + 1, h.title, h.url);
            println!(
                "    {}",
                h.snippet.replace("<mark>", "[").replace("</mark>", "]")
            );
        }
        eprintln!(
            "{} results in {} ({} words matched)",
            results.total, results.locale, results.matched
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn search_report(args: SearchReportArgs) -> anyhow::Result<ExitCode> {
    let db = ayuda::tickets::cli::database(args.database.as_deref(), &args.data)?;
    let report = match db {
        ayuda::tickets::queue::database::DatabaseUrl::Postgres(_) => {
            let runtime = tokio::runtime::Runtime::new()?;
            let (gaps, _) = runtime.block_on(async {
                let db = ayuda::tickets::queue::database::connect(&db).await?;
                ayuda::search::gaps_db::load(db.pool()).await
            })?;
            ayuda::search::gaps::report_of(gaps, args.top)
        }
        _ => ayuda::search::gaps::report(&args.data, args.top),
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    if report.is_empty() {
        eprintln!(
            "no zero-result searches recorded in {}",
            args.data.join(ayuda::search::gaps::GAPS_FILE).display()
        );
    }
    for (locale, queries) in report {
        println!("{locale}:");
        for (q, gap) in queries {
            println!("  {:>6}  {q}  (last {})", gap.count, gap.last);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn report_command(args: ReportArgs) -> anyhow::Result<ExitCode> {
    use ayuda::feedback::report;
    let data = ayuda::tickets::cli::data_dir(&args.dirs.root, args.dirs.data);
    let db = ayuda::tickets::cli::database(args.dirs.database.as_deref(), &data)?;
    let (since, dist, json) = match args.command {
        ReportCommand::Content { since, dist, json } => (since, dist, json),
        ReportCommand::Tickets(t) => {
            ayuda::tickets::report::cli::run(&t, &args.dirs.root, &db)?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    let since = match since.as_deref().map(report::parse_since).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let dist = dist.unwrap_or_else(|| args.dirs.root.join("dist"));
    let runtime = tokio::runtime::Runtime::new()?;
    let r = runtime.block_on(report::content_report(&data, &db, &dist, since))?;
    if json {
        println!("{}", serde_json::to_string(&r)?);
    } else if r.locales.is_empty() {
        eprintln!("nothing to report in {}", data.display());
    } else {
        if report::load_articles(&dist).is_empty() {
            eprintln!(
                "note: no {} in {}: articles show ids, not files (pass --dist)",
                ayuda::site::ARTICLES_FILE,
                dist.display()
            );
        }
        print!("{}", report::render_text(&r));
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    // Started in a folder that is not a help center, writer mode would watch it and create
    // `data/` there: refuse unless the folder is named on purpose (docs/serve.md).
    if args.dist.is_none()
        && args.root.is_none()
        && let Some(problem) =
            ayuda::server::writer::root_problem(&std::env::current_dir().unwrap_or_default())
    {
        eprintln!(
            "error: {problem}; run `ayuda init` to create one, `ayuda serve --root DIR` to serve another folder, or `ayuda serve --dist DIR` to serve a build"
        );
        return Ok(ExitCode::from(2));
    }
    let source = match (args.dist, args.root) {
        (Some(dist), _) => ayuda::server::Source::Dist(dist),
        (None, root) => ayuda::server::Source::Root(root.unwrap_or_else(|| PathBuf::from("."))),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(ayuda::server::run(ayuda::server::ServeOptions {
        source,
        bind: args.bind,
        data: args.data,
        database: args.database,
        poll: args.poll,
        open: args.open,
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a build or check report and returns the exit code it means.
pub(crate) fn report(
    result: Result<BuildReport, site::BuildError>,
    json: bool,
    verb: &str,
) -> ExitCode {
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let code = match e {
                site::BuildError::Config(_) | site::BuildError::Theme(_) => 2,
                site::BuildError::Io(_) => 1,
            };
            // Output write failures name the path they are about, under their own code.
            let (file, kind) = match &e {
                site::BuildError::Io(io) => (
                    io.get_ref()
                        .and_then(|r| r.downcast_ref::<site::output::OutputError>())
                        .map(|o| o.path.display().to_string())
                        .unwrap_or_default(),
                    "output",
                ),
                site::BuildError::Config(_) | site::BuildError::Theme(_) => {
                    ("ayuda.yaml".to_string(), "config")
                }
            };
            if json {
                let out = serde_json::json!({"articles": 0, "pages": 0, "locales": {}, "warnings": [],
                    "errors": [{"file": file, "code": kind, "message": e.to_string()}], "elapsed_ms": 0});
                println!("{out}");
            }
            eprintln!("error: {e}");
            return ExitCode::from(code);
        }
    };
    if json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        for file in &report.skipped {
            eprintln!("{file}: skipped: its name starts with `_` (only `_index.md` is read)");
        }
        for d in report.warnings.iter().chain(&report.errors) {
            eprintln!("{d}");
        }
        let locales: Vec<String> = report
            .locales
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        eprintln!(
            "{verb} {} articles ({}) into {} pages in {} ms: {} errors, {} warnings",
            report.articles,
            locales.join(", "),
            report.pages,
            report.elapsed_ms,
            report.errors.len(),
            report.warnings.len()
        );
    }
    if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
