//! Configuration from environment variables; docs/operations.md lists every one, and `serve --help`.

use std::path::PathBuf;

use crate::auth::{ClaimNames, Verifier};
use crate::rate_limit::{self, RateLimitSettings};
use crate::security::SecurityHeaders;

pub const DEFAULT_DATABASE_URL: &str = "malstyrning.db";
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_POOL_SIZE: u32 = 8;
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// The largest bulk import by default (read as it arrives, never held whole).
pub const DEFAULT_IMPORT_LIMIT: usize = 1024 * 1024 * 1024;
/// How many days the change feed keeps changes by default.
pub const DEFAULT_CHANGE_RETENTION_DAYS: i64 = 90;
/// How many hours an `Idempotency-Key` is kept by default.
pub const DEFAULT_IDEMPOTENCY_KEY_TTL_HOURS: i64 = 24;
/// Where a generated development secret is kept when `JWT_SECRET` is not set: one per
/// user, so that `serve` and `token` agree whichever folder they run in.
pub fn dev_secret_path() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("malstyrning").join("dev-jwt-secret")
}

/// One environment variable a command reads: its name, its default in words, and what it
/// sets. `--help` lists them from here.
#[derive(Clone)]
pub struct Variable {
    pub name: &'static str,
    pub default: String,
    pub what: &'static str,
}

fn variable(name: &'static str, default: impl ToString, what: &'static str) -> Variable {
    Variable {
        name,
        default: default.to_string(),
        what,
    }
}

/// The database every command but `openapi` and `permissions` opens.
pub fn database_variables() -> Vec<Variable> {
    vec![
        variable(
            "DATABASE_URL",
            DEFAULT_DATABASE_URL,
            "a SQLite file (or sqlite:PATH), or postgres://user@host/db",
        ),
        variable(
            "DB_POOL_SIZE",
            DEFAULT_POOL_SIZE,
            "database connections of this process",
        ),
        variable("RUST_LOG", "info", "what is logged (env_logger's syntax)"),
    ]
}

/// What signs a token of `malstyrning token` and verifies one in `serve`.
pub fn secret_variables() -> Vec<Variable> {
    vec![variable(
        "JWT_SECRET",
        format!(
            "a development-only secret kept in {}",
            dev_secret_path().display()
        ),
        "the HS256 secret, at least 32 characters",
    )]
}

/// Everything `serve` reads.
pub fn serve_variables() -> Vec<Variable> {
    let mut all = database_variables();
    all.extend(secret_variables());
    all.extend([
        variable(
            "BIND_ADDR",
            DEFAULT_BIND_ADDR,
            "the address and port to listen on",
        ),
        variable("WORKERS", "one per core", "HTTP worker threads"),
        variable(
            "BODY_LIMIT_BYTES",
            DEFAULT_BODY_LIMIT,
            "the largest request body",
        ),
        variable(
            "IMPORT_LIMIT_BYTES",
            DEFAULT_IMPORT_LIMIT,
            "the largest bulk import",
        ),
        variable(
            "CORS_ALLOWED_ORIGINS",
            "none",
            "browser origins allowed, comma-separated",
        ),
        variable(
            "CHANGE_RETENTION_DAYS",
            DEFAULT_CHANGE_RETENTION_DAYS,
            "how long the change feed keeps changes",
        ),
        variable(
            "IDEMPOTENCY_KEY_TTL_HOURS",
            DEFAULT_IDEMPOTENCY_KEY_TTL_HOURS,
            "how long an Idempotency-Key's answer is kept",
        ),
        variable(
            "CACHE_MB",
            crate::cache::DEFAULT_CACHE_MB,
            "the answer cache's size",
        ),
        variable(
            "CACHE_TTL_SECONDS",
            crate::cache::DEFAULT_CACHE_TTL_SECONDS,
            "how long a cached answer lives",
        ),
        variable(
            "CACHE_SYNC_MS",
            crate::cache::DEFAULT_CACHE_SYNC_MS,
            "how often the cache looks for writes of other instances",
        ),
        variable(
            "RATE_LIMIT_PER_MINUTE",
            rate_limit::DEFAULT_PER_MINUTE,
            "requests per caller and minute (0: no limit)",
        ),
        variable(
            "RATE_LIMIT_BURST",
            rate_limit::DEFAULT_BURST,
            "requests per caller at once",
        ),
        variable(
            "TRUSTED_PROXIES",
            "none",
            "proxy networks whose X-Forwarded-For is believed",
        ),
        variable(
            "HSTS",
            "off",
            "the Strict-Transport-Security value, e.g. max-age=31536000",
        ),
        variable(
            "METRICS_TOKEN",
            "none: /metrics not served",
            "the bearer token that reads /metrics",
        ),
        variable(
            "WEBHOOK_ALLOWED_NETWORKS",
            "none",
            "internal networks webhook receivers may be on",
        ),
        variable(
            "JWT_PUBLIC_KEY_FILE",
            "none",
            "a PEM public key (RS256/ES256) of the identity provider",
        ),
        variable(
            "JWT_JWKS_FILE",
            "none",
            "a JWKS file of the identity provider",
        ),
        variable(
            "JWT_JWKS_URL",
            "none",
            "the identity provider's JWKS address",
        ),
        variable(
            "JWT_JWKS_MAX_AGE_SECONDS",
            3600,
            "how long fetched keys are kept",
        ),
        variable(
            "JWT_ISSUER",
            "none (required with public keys)",
            "the `iss` tokens must carry",
        ),
        variable(
            "JWT_AUDIENCE",
            "none (required with public keys)",
            "the `aud` tokens must carry",
        ),
        variable("JWT_LEEWAY_SECONDS", 30, "clock skew allowed"),
        variable(
            "JWT_MAX_LIFETIME_SECONDS",
            crate::auth::keys::DEFAULT_MAX_LIFETIME_SECONDS,
            "the longest a token may live",
        ),
        variable("JWT_ORG_CLAIM", "org", "the claim naming the organization"),
        variable("JWT_ROLES_CLAIM", "roles", "the claim listing the roles"),
        variable("JWT_UNITS_CLAIM", "units", "the claim listing the units"),
        variable("JWT_NAME_CLAIM", "name", "the claim with the person's name"),
    ]);
    all
}

/// The `--help` section that lists `variables`.
pub fn help(variables: &[Variable]) -> String {
    let width = variables.iter().map(|v| v.name.len()).max().unwrap_or(0);
    let mut text = String::from("Environment variables:\n");
    for v in variables {
        text.push_str(&format!(
            "  {:width$}  {} [default: {}]\n",
            v.name, v.what, v.default
        ));
    }
    text
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub bind_addr: String,
    pub pool_size: u32,
    pub body_limit: usize,
    /// The largest body of a bulk import.
    pub import_limit: usize,
    /// How bearer tokens are verified.
    pub verifier: Verifier,
    pub cors_origins: Vec<String>,
    pub workers: Option<usize>,
    /// How long the change feed keeps changes.
    pub change_retention_days: i64,
    /// How long an `Idempotency-Key` and its answer are kept.
    pub idempotency_key_ttl: chrono::Duration,
    /// The answer cache (`CACHE_MB`, `CACHE_TTL_SECONDS`) and how often it looks for
    /// writes made elsewhere (`CACHE_SYNC_MS`).
    pub cache: crate::cache::ResponseCache,
    pub cache_sync: std::time::Duration,
    /// Requests per caller (or address) and minute, and at once.
    pub rate_limit: RateLimitSettings,
    /// The security headers, with `Strict-Transport-Security` when `HSTS` is set.
    pub security_headers: SecurityHeaders,
    /// The bearer token that reads `/metrics`; without it they are not served.
    pub metrics_token: Option<String>,
    /// The internal networks webhook receivers may be on (`WEBHOOK_ALLOWED_NETWORKS`).
    pub webhook_receivers: crate::outbound::ReceiverPolicy,
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let change_retention_days =
            parse_var("CHANGE_RETENTION_DAYS", DEFAULT_CHANGE_RETENTION_DAYS)?;
        if change_retention_days < 1 {
            return Err("CHANGE_RETENTION_DAYS must be at least 1".into());
        }
        let idempotency_key_ttl_hours = parse_var(
            "IDEMPOTENCY_KEY_TTL_HOURS",
            DEFAULT_IDEMPOTENCY_KEY_TTL_HOURS,
        )?;
        if !(1..=24 * 366).contains(&idempotency_key_ttl_hours) {
            return Err("IDEMPOTENCY_KEY_TTL_HOURS must be between 1 and 8784 (a year)".into());
        }
        let rate_limit = RateLimitSettings {
            per_minute: parse_var("RATE_LIMIT_PER_MINUTE", rate_limit::DEFAULT_PER_MINUTE)?,
            burst: parse_var("RATE_LIMIT_BURST", rate_limit::DEFAULT_BURST)?,
            trusted_proxies: crate::networks::parse_networks(
                &var("TRUSTED_PROXIES").unwrap_or_default(),
            )
            .map_err(|e| format!("TRUSTED_PROXIES: {e}"))?,
        };
        if rate_limit.per_minute > 0 && rate_limit.burst == 0 {
            return Err(
                "RATE_LIMIT_BURST must be at least 1 (RATE_LIMIT_PER_MINUTE=0 turns the limit off)"
                    .into(),
            );
        }
        let security_headers = SecurityHeaders::new(var("HSTS").as_deref())?;
        let metrics_token = var("METRICS_TOKEN");
        if metrics_token.as_ref().is_some_and(|t| t.trim().len() < 16) {
            return Err("METRICS_TOKEN must be at least 16 characters".into());
        }
        let webhook_receivers = crate::outbound::ReceiverPolicy::parse(
            &var("WEBHOOK_ALLOWED_NETWORKS").unwrap_or_default(),
        )
        .map_err(|e| format!("WEBHOOK_ALLOWED_NETWORKS: {e}"))?;
        Ok(Config {
            metrics_token: metrics_token.map(|t| t.trim().to_string()),
            webhook_receivers,
            rate_limit,
            security_headers,
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            bind_addr: var("BIND_ADDR").unwrap_or_else(|| DEFAULT_BIND_ADDR.to_string()),
            pool_size: parse_var("DB_POOL_SIZE", DEFAULT_POOL_SIZE)?,
            body_limit: parse_var("BODY_LIMIT_BYTES", DEFAULT_BODY_LIMIT)?,
            import_limit: parse_var("IMPORT_LIMIT_BYTES", DEFAULT_IMPORT_LIMIT)?,
            change_retention_days,
            idempotency_key_ttl: chrono::Duration::hours(idempotency_key_ttl_hours),
            verifier: verifier()?,
            cors_origins: var("CORS_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().to_string())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            cache: crate::cache::ResponseCache::new(
                parse_var("CACHE_MB", crate::cache::DEFAULT_CACHE_MB)? * 1024 * 1024,
                std::time::Duration::from_secs(parse_var(
                    "CACHE_TTL_SECONDS",
                    crate::cache::DEFAULT_CACHE_TTL_SECONDS,
                )?),
            ),
            cache_sync: std::time::Duration::from_millis(
                parse_var("CACHE_SYNC_MS", crate::cache::DEFAULT_CACHE_SYNC_MS)?.max(10),
            ),
            workers: var("WORKERS")
                .map(|w| {
                    w.parse()
                        .map_err(|_| "WORKERS must be a number".to_string())
                })
                .transpose()?,
        })
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_var<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("{name} must be a positive number, got `{v}`")),
    }
}

/// The token verifier: HS256 with `JWT_SECRET`, public keys from `JWT_PUBLIC_KEY_FILE`,
/// `JWT_JWKS_FILE` and `JWT_JWKS_URL`, checked against `JWT_ISSUER`, `JWT_AUDIENCE` and `JWT_LEEWAY_SECONDS`, with
/// claim names from `JWT_ORG_CLAIM`, `JWT_ROLES_CLAIM`, `JWT_UNITS_CLAIM` and `JWT_NAME_CLAIM`.
/// With no key configured at all, the development secret.
pub fn verifier() -> Result<Verifier, String> {
    let mut verifier = Verifier::empty();
    let mut public = false;
    if let Some(path) = var("JWT_PUBLIC_KEY_FILE") {
        let pem = std::fs::read(&path)
            .map_err(|e| format!("cannot read JWT_PUBLIC_KEY_FILE {path}: {e}"))?;
        verifier = verifier
            .with_public_key_pem(&pem)
            .map_err(|e| format!("JWT_PUBLIC_KEY_FILE {path}: {e}"))?;
        public = true;
    }
    if let Some(path) = var("JWT_JWKS_FILE") {
        let document = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read JWT_JWKS_FILE {path}: {e}"))?;
        verifier = verifier
            .with_jwks(&document)
            .map_err(|e| format!("JWT_JWKS_FILE {path}: {e}"))?;
        public = true;
    }
    if let Some(url) = var("JWT_JWKS_URL") {
        let max_age = std::time::Duration::from_secs(parse_var("JWT_JWKS_MAX_AGE_SECONDS", 3600)?);
        verifier = verifier.with_jwks_url(url, max_age, std::time::Duration::from_secs(30));
        public = true;
    }
    if var("JWT_SECRET").is_some() || !public {
        verifier = verifier.with_secret(&jwt_secret()?);
    }
    // An identity provider's keys sign tokens for other services too: without the issuer
    // and audience checked, a token meant for one of them would be taken here.
    let (issuer, audience) = (var("JWT_ISSUER"), var("JWT_AUDIENCE"));
    if public && (issuer.is_none() || audience.is_none()) {
        return Err("JWT_PUBLIC_KEY_FILE, JWT_JWKS_FILE or JWT_JWKS_URL is set, so JWT_ISSUER and JWT_AUDIENCE must be set too: the `iss` and `aud` this service's tokens carry".to_string());
    }
    let defaults = ClaimNames::default();
    Ok(verifier
        .with_issuer(issuer)
        .with_audience(audience)
        .with_leeway(parse_var("JWT_LEEWAY_SECONDS", 30)?)
        .with_max_lifetime(parse_var(
            "JWT_MAX_LIFETIME_SECONDS",
            crate::auth::keys::DEFAULT_MAX_LIFETIME_SECONDS,
        )?)
        .with_claim_names(ClaimNames {
            organization: var("JWT_ORG_CLAIM").unwrap_or(defaults.organization),
            roles: var("JWT_ROLES_CLAIM").unwrap_or(defaults.roles),
            units: var("JWT_UNITS_CLAIM").unwrap_or(defaults.units),
            name: var("JWT_NAME_CLAIM").unwrap_or(defaults.name),
        }))
}

/// Writes a file only its owner may read (mode 0600 on Unix), as a key file should be.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    // A file left by an earlier version may be readable by others: narrow it too.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(text.as_bytes())
}

/// `JWT_SECRET`, or else a development secret generated once into `dev_secret_path()`
/// (outside the repository) so that `malstyrning serve` and `malstyrning token` agree.
pub fn jwt_secret() -> Result<String, String> {
    if let Some(secret) = var("JWT_SECRET") {
        if secret.len() < 32 {
            return Err("JWT_SECRET must be at least 32 characters".to_string());
        }
        return Ok(secret);
    }
    let path = dev_secret_path();
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if existing.trim().len() >= 32 {
            return Ok(existing.trim().to_string());
        }
    }
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|_| write_private(&path, &secret));
    written.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    log::warn!(
        "JWT_SECRET is not set: generated a development-only secret in {}",
        path.display()
    );
    Ok(secret)
}
