//! The `malstyrning` command line: serve, migrate, demo, token, kolada import, bulk import
//! and export, openapi.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use malstyrning::app::{build_app, openapi_json, AppState};
use malstyrning::auth::{Claims, TokenKeys};
use malstyrning::config::{self, Config};
use malstyrning::db::{self, Backend};
use malstyrning::store::Store;

#[derive(Parser)]
#[command(
    name = "malstyrning",
    version,
    about = "Goal management (målstyrning) API for Swedish municipalities"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and start the HTTP server (configured by environment variables).
    Serve {
        /// Load the demo organisation (Värnamo) before serving.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo organisation (Värnamo, municipality code 0683); running it again changes nothing.
    Demo {
        /// Instead, generate N benchmark municipalities of Värnamo's size (codes 3001, 3002, …;
        /// each about 13 600 rows: 12 boards, 400 teams, 60 department goals, 10 000
        /// activities, 200 indicators with 10 years of values, follow-ups for 3 years). Those
        /// already present are skipped, so a larger N adds the missing ones. Benchmark data:
        /// written directly, without audit entries or changes in the change feed.
        #[arg(long, value_name = "N")]
        scale: Option<usize>,
    },
    /// Print a signed token for local use (HS256 with JWT_SECRET or the development secret).
    Token {
        /// The organization: its id, or its municipality code (e.g. 0683) when it is in the database.
        #[arg(long)]
        org: String,
        /// A role (admin, council, board, manager, team_member, viewer); repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// A unit id the roles are scoped to; repeat for several.
        #[arg(long = "unit")]
        units: Vec<String>,
        /// Who the token is for.
        #[arg(long, default_value = "local-user")]
        sub: String,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: i64,
    },
    /// The organizations served: registering one and setting its municipality code and name
    /// are the operator's, never an API caller's.
    Organizations {
        #[command(subcommand)]
        command: OrganizationCommand,
    },
    /// Kolada, the national KPI database.
    Kolada {
        #[command(subcommand)]
        command: KoladaCommand,
    },
    /// Import records in bulk from a JSON, NDJSON or CSV file, as `POST /api/v1/import`
    /// (recorded as `bulk-import`): all or nothing, upserting by external id, with progress.
    Import {
        /// The file; `-` reads standard input (then give --format).
        file: String,
        /// The organization: its id or municipality code.
        #[arg(long)]
        org: String,
        /// `json`, `ndjson` or `csv`; by default the file's extension tells.
        #[arg(long)]
        format: Option<String>,
        /// The type of rows that name none (a CSV of one resource without a `type` column).
        #[arg(long = "type")]
        row_type: Option<String>,
        /// Check every row and report what the import would do, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the report (or the errors) as JSON, as the endpoint answers.
        #[arg(long)]
        json: bool,
    },
    /// Export an organization's records as rows the import reads, as `GET /api/v1/export`.
    Export {
        /// The organization: its id or municipality code.
        #[arg(long)]
        org: String,
        /// Only records of this type.
        #[arg(long = "type")]
        row_type: Option<String>,
        /// `json` (default), `ndjson` or `csv`.
        #[arg(long, default_value = "json")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<String>,
    },
    /// Print the OpenAPI document (what `openapi/openapi.json` must hold).
    Openapi,
    /// Print the role matrix (what `docs/permissions.md` must hold).
    Permissions,
}

#[derive(Subcommand)]
enum OrganizationCommand {
    /// Register an organization and print its id (the `org` claim of its tokens).
    Register {
        /// One of Sweden's 290 municipality codes (e.g. 0683), or a region code (0001–0025).
        #[arg(long)]
        code: String,
        /// Its name; by default the code's name in SCB's list (e.g. "Värnamo").
        #[arg(long)]
        name: Option<String>,
        /// Its id, when tokens already name one; a new one by default.
        #[arg(long)]
        id: Option<String>,
    },
    /// Change an organization's municipality code or name.
    Set {
        /// The organization: its id or municipality code.
        #[arg(long)]
        org: String,
        #[arg(long)]
        code: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
    /// List the registered organizations: id, code, name, archived or not.
    List,
}

#[derive(Subcommand)]
enum KoladaCommand {
    /// Import a Kolada API v3 data response into the indicators that name its KPIs
    /// (as `POST /api/v1/kolada/import`, recorded as `kolada-import`).
    Import {
        /// The response as a file; `-` reads standard input.
        file: String,
        /// The organization: its id or municipality code; by default the one whose
        /// municipality code the file's rows name.
        #[arg(long)]
        org: Option<String>,
        /// Report what the import would do, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON, as the endpoint answers.
        #[arg(long)]
        json: bool,
    },
}

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::from_arg_matches(&with_environment(Cli::command()).get_matches())
        .unwrap_or_else(|e| e.exit());
    if let Err(message) = run(cli) {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

/// Each command's `--help` ends with the environment variables it reads, and their
/// defaults, from the one list in `config`.
fn with_environment(cli: clap::Command) -> clap::Command {
    let database = config::database_variables();
    let mut token = database.clone();
    token.extend(config::secret_variables());
    let mut cli = cli.after_help(
        "Each command's --help lists the environment variables it reads; `serve --help` all of them.",
    );
    for name in [
        "migrate",
        "demo",
        "organizations",
        "kolada",
        "import",
        "export",
    ] {
        cli = cli.mut_subcommand(name, |c| c.after_help(config::help(&database)));
    }
    cli.mut_subcommand("token", |c| c.after_help(config::help(&token)))
        .mut_subcommand("serve", |c| {
            c.after_help(config::help(&config::serve_variables()))
        })
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Openapi => {
            use std::io::Write;
            // A closed pipe (`… | head`) is not an error worth a panic.
            let _ = std::io::stdout().write_all(openapi_json().as_bytes());
            Ok(())
        }
        Command::Permissions => {
            use std::io::Write;
            let _ = std::io::stdout()
                .write_all(malstyrning::rules::permissions::matrix_markdown().as_bytes());
            Ok(())
        }
        Command::Migrate => {
            let pool = open_store()?.pool;
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let applied = db::run_migrations(&mut conn)?;
            println!("applied {} migration(s)", applied.len());
            Ok(())
        }
        Command::Demo { scale: None } => {
            let pool = open_store()?.pool;
            load_demo(&pool)
        }
        Command::Demo { scale: Some(count) } => {
            let pool = open_store()?.pool;
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let size = malstyrning::bench_data::Size::MUNICIPALITY;
            let summary = malstyrning::bench_data::generate(&mut conn, count, &size, |line| {
                println!("{line}")
            })
            .map_err(|e| format!("cannot generate the benchmark data: {e}"))?;
            println!("{summary}");
            Ok(())
        }
        Command::Token {
            org,
            roles,
            units,
            sub,
            ttl,
        } => {
            // Only reads: a token never creates or migrates a database.
            let org = resolve_org(&org, false)?;
            let now = chrono::Utc::now().timestamp();
            let claims = Claims {
                sub,
                org,
                roles,
                units,
                exp: now + ttl,
                iat: Some(now),
                name: None,
            };
            let keys = TokenKeys::hs256(&config::jwt_secret()?);
            println!("{}", keys.issue(&claims)?);
            Ok(())
        }
        Command::Serve { demo } => serve(demo),
        Command::Organizations { command } => organizations(command),
        Command::Import {
            file,
            org,
            format,
            row_type,
            dry_run,
            json,
        } => bulk_import(&file, &org, format, row_type, dry_run, json),
        Command::Export {
            org,
            row_type,
            format,
            output,
        } => export(&org, row_type, &format, output),
        Command::Kolada {
            command:
                KoladaCommand::Import {
                    file,
                    org,
                    dry_run,
                    json,
                },
        } => kolada_import(&file, org.as_deref(), dry_run, json),
    }
}

fn organizations(command: OrganizationCommand) -> Result<(), String> {
    use malstyrning::api::organizations::{register, set_identity};
    use malstyrning::db::types::Id;
    use malstyrning::store::Tx;
    let parse_id = |id: &str| id.parse::<Id>().map_err(|_| format!("{id} is not a UUID"));
    let pool = open_store()?.pool;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let conn: &mut db::DbConnection = &mut conn;
    let done = match command {
        OrganizationCommand::Register { code, name, id } => {
            let id = id
                .as_deref()
                .map(parse_id)
                .transpose()?
                .unwrap_or_else(Id::new);
            Tx::new(conn).savepoint(|tx| register(tx, id, &code, name))
        }
        OrganizationCommand::Set { org, code, name } => {
            let id = parse_id(&resolve_org(&org, true)?)?;
            Tx::new(conn).savepoint(|tx| set_identity(tx, id, code, name))
        }
        OrganizationCommand::List => {
            let all = malstyrning::store::organizations::all(conn).map_err(|e| e.to_string())?;
            for org in all {
                let archived = if org.archived_at.is_some() {
                    "\tarchived"
                } else {
                    ""
                };
                println!(
                    "{}\t{}\t{}{archived}",
                    org.id, org.municipality_code, org.name
                );
            }
            return Ok(());
        }
    };
    let org = done.map_err(|e| e.with_fields())?;
    println!("{}\t{}\t{}", org.id, org.municipality_code, org.name);
    Ok(())
}

fn kolada_import(file: &str, org: Option<&str>, dry_run: bool, json: bool) -> Result<(), String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    if file == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
    } else {
        bytes = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    }
    let store = open_store()?;
    let report = actix_web::rt::System::new().block_on(malstyrning::kolada::import_file(
        &store, &bytes, org, dry_run,
    ))?;
    if json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        print!("{report}");
    }
    Ok(())
}

fn parsed<T: std::str::FromStr<Err = String>>(text: Option<String>) -> Result<Option<T>, String> {
    text.map(|t| t.parse()).transpose()
}

fn bulk_import(
    file: &str,
    org: &str,
    format: Option<String>,
    row_type: Option<String>,
    dry_run: bool,
    json: bool,
) -> Result<(), String> {
    use malstyrning::transfer::import::{import_file, ImportOptions, CLI_ACTOR};
    use malstyrning::transfer::Format;
    let extension = std::path::Path::new(file)
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| match e.to_ascii_lowercase().as_str() {
            "jsonl" => "ndjson".to_string(),
            other => other.to_string(),
        });
    let format: Format = parsed(format.or(extension))?
        .ok_or("give --format json, ndjson or csv for standard input")?;
    let options = ImportOptions {
        format,
        row_type: parsed(row_type)?,
        dry_run,
    };
    let reader: Box<dyn std::io::Read + Send> = if file == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(file).map_err(|e| format!("cannot read {file}: {e}"))?)
    };
    let org = resolve_org(org, true)?
        .parse()
        .map_err(|_| "not an organization id")?;
    let store = open_store()?;
    let started = std::time::Instant::now();
    let progress = move |rows: u64| {
        if rows.is_multiple_of(10_000) {
            let rate = rows as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprintln!("{rows} rows read ({rate:.0} rows/s)");
        }
    };
    let result = actix_web::rt::System::new().block_on(import_file(
        &store,
        malstyrning::api::Writer::operator(org, CLI_ACTOR),
        reader,
        options,
        Box::new(progress),
    ));
    let seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(report) if json => {
            let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
            println!("{text}");
            Ok(())
        }
        Ok(report) => {
            println!("{report}");
            let rate = report.rows as f64 / seconds.max(0.001);
            println!("{} rows in {seconds:.1} s ({rate:.0} rows/s)", report.rows);
            Ok(())
        }
        Err(error) if json => {
            let problem =
                serde_json::to_string_pretty(&error.problem()).map_err(|e| e.to_string())?;
            println!("{problem}");
            Err(error.to_string())
        }
        Err(error) => Err(malstyrning::kolada::describe(&error)),
    }
}

fn export(
    org: &str,
    row_type: Option<String>,
    format: &str,
    output: Option<String>,
) -> Result<(), String> {
    use malstyrning::transfer::{export, Format};
    let format: Format = format.parse()?;
    let row_type = parsed(row_type)?;
    let org = resolve_org(org, true)?
        .parse()
        .map_err(|_| "not an organization id")?;
    let pool = open_store()?.pool;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let rows = export::export(&mut conn, &org, row_type).map_err(|e| e.to_string())?;
    let mut out: Box<dyn std::io::Write> = match &output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("cannot write {path}: {e}"))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    export::write(&rows, format, &mut out).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}

/// Opens the configured database and applies pending migrations; the store over it.
fn open_store() -> Result<Store, String> {
    open(true)
}

/// Opens the configured database; with `migrate`, creates it if need be and applies
/// pending migrations, and without, takes it as it is and creates nothing.
fn open(migrate: bool) -> Result<Store, String> {
    let config = Config::from_env()?;
    let backend = Backend::from_url(&config.database_url);
    if !migrate && !backend.exists() {
        return Err(format!(
            "{} does not exist (DATABASE_URL); start the service once \
             (`malstyrning serve --demo`) or set DATABASE_URL to the service's database",
            backend.describe()
        ));
    }
    log::debug!("database: {}", backend.name());
    let pool = db::connect_pool(backend.clone(), config.pool_size)
        .map_err(|e| format!("cannot open {}: {e}", backend.describe()))?;
    if migrate {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        for name in db::run_migrations(&mut conn)? {
            log::info!("applied migration {name}");
        }
    }
    Ok(Store::new(pool, backend))
}

fn load_demo(pool: &db::Pool) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let summary = malstyrning::demo::load(&mut conn)
        .map_err(|e| format!("cannot load the demo organisation: {e}"))?;
    println!("{summary}");
    Ok(())
}

/// An organization id, or a municipality code looked up in the database (opened as
/// `open` says).
fn resolve_org(org: &str, migrate: bool) -> Result<String, String> {
    if org.parse::<malstyrning::db::types::Id>().is_ok() {
        return Ok(org.to_string());
    }
    let store = open(migrate)?;
    let place = store.backend().describe();
    let mut conn = store.pool.get().map_err(|e| e.to_string())?;
    malstyrning::store::organizations::find_by_code(&mut conn, org)
        .map_err(|e| format!("cannot read {place}: {e}"))?
        .map(|o| o.id.to_string())
        .ok_or_else(|| {
            format!("no organization with municipality code {org} in {place}; give its id instead")
        })
}

fn serve(demo: bool) -> Result<(), String> {
    let config = Config::from_env()?;
    let store = open_store()?;
    if demo {
        load_demo(&store.pool)?;
    }
    let state_store = store.with_cache(config.cache.clone());
    let state = AppState {
        store: state_store.clone(),
        verifier: config.verifier.clone(),
        body_limit: config.body_limit,
        cors_origins: config.cors_origins.clone(),
        idempotency_key_ttl: config.idempotency_key_ttl,
        import_limit: config.import_limit,
        rate_limit: malstyrning::rate_limit::RateLimit::new(config.rate_limit.clone()),
        security_headers: config.security_headers.clone(),
        metrics: malstyrning::metrics::Metrics::new(config.metrics_token.as_deref()),
    };
    log::info!("serving on http://{} (docs at /docs)", config.bind_addr);
    // actix-web's default: one worker a core.
    let workers = config
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let server = actix_web::HttpServer::new(move || build_app(state.clone()))
        .bind(&config.bind_addr)
        .map_err(|e| format!("cannot listen on {}: {e}", config.bind_addr))?
        .shutdown_timeout(30)
        .workers(workers)
        // A blocking thread per pooled connection is all that can work at once, and each
        // worker has blocking threads of its own: more only wait for a connection, where
        // r2d2 serves no one in turn (PostgreSQL's reads by id had a p99 of up to 47 ms
        // against 10 ms with a thread per connection, BENCHMARKS.md), each holding a stack.
        .worker_max_blocking_threads((config.pool_size as usize / workers).max(1));
    let store = state_store.clone();
    let retention_days = config.change_retention_days;
    let cache_sync = config.cache_sync;
    let receivers = config.webhook_receivers.clone();
    // actix-web stops accepting on SIGTERM/SIGINT and lets running requests finish.
    actix_web::rt::System::new()
        .block_on(async move {
            actix_web::rt::spawn(malstyrning::webhooks::run(store.clone(), receivers));
            actix_web::rt::spawn(malstyrning::cache::sync_every(store.clone(), cache_sync));
            actix_web::rt::spawn(prune_hourly(store, retention_days));
            server.run().await
        })
        .map_err(|e| e.to_string())
}

/// Prunes, at start and every hour after, the change feed past its retention and the
/// expired idempotency keys.
async fn prune_hourly(store: Store, retention_days: i64) {
    let mut every_hour = actix_web::rt::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        let pruned = store
            .transaction(move |conn| {
                malstyrning::store::changes::prune(
                    conn,
                    retention_days,
                    chrono::Utc::now().naive_utc(),
                )
            })
            .await;
        match pruned {
            Ok(0) => {}
            Ok(n) => log::info!(
                "pruned {n} changes older than {retention_days} days from the change feed"
            ),
            Err(e) => log::warn!("pruning the change feed failed: {e}"),
        }
        let expired = store
            .write(|conn| {
                malstyrning::store::idempotency::prune(conn, chrono::Utc::now().naive_utc())
            })
            .await;
        match expired {
            Ok(0) => {}
            Ok(n) => log::info!("pruned {n} expired idempotency keys"),
            Err(e) => log::warn!("pruning expired idempotency keys failed: {e}"),
        }
    }
}
