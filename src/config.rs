//! Configuration from environment variables; the README's table lists every one.

use std::path::PathBuf;

pub const DEFAULT_DATABASE_URL: &str = "malstyrning.db";
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_POOL_SIZE: u32 = 8;
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// Where a generated development secret is kept when `JWT_SECRET` is not set: one per
/// user, so that `serve` and `token` agree whichever folder they run in.
pub fn dev_secret_path() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("malstyrning").join("dev-jwt-secret")
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind_addr: String,
    pub pool_size: u32,
    pub body_limit: usize,
    pub jwt_secret: String,
    pub cors_origins: Vec<String>,
    pub workers: Option<usize>,
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            bind_addr: var("BIND_ADDR").unwrap_or_else(|| DEFAULT_BIND_ADDR.to_string()),
            pool_size: parse_var("DB_POOL_SIZE", DEFAULT_POOL_SIZE)?,
            body_limit: parse_var("BODY_LIMIT_BYTES", DEFAULT_BODY_LIMIT)?,
            jwt_secret: jwt_secret()?,
            cors_origins: var("CORS_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().to_string())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
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
        .and_then(|_| std::fs::write(&path, &secret));
    written.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    log::warn!(
        "JWT_SECRET is not set: generated a development-only secret in {}",
        path.display()
    );
    Ok(secret)
}
