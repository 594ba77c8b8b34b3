//! The framework's ceiling for `bench/run.sh`: one actix-web handler answering a small JSON
//! object, nothing else (no database, no auth, no middleware), with the service's worker count
//! (`WORKERS`, else actix-web's default). `BIND_ADDR` as for the service. `GET /hello/{bytes}`
//! answers a JSON object of that many bytes (kept in memory, as the service keeps a cached
//! answer): the ceiling for an answer of that size.
//!
//! `cargo build --release --example hello && target/release/examples/hello`

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::web::{Bytes, Path};
use actix_web::{get, App, HttpResponse, HttpServer};

#[get("/hello")]
async fn hello() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"message": "Hej världen", "status": "ok"}))
}

/// Bodies by size, made on first use.
static SIZED: Mutex<Option<HashMap<usize, Bytes>>> = Mutex::new(None);

#[get("/hello/{bytes}")]
async fn hello_sized(bytes: Path<usize>) -> HttpResponse {
    let size = bytes.into_inner().clamp(16, 16 << 20);
    let body = {
        let mut sized = SIZED.lock().unwrap_or_else(|p| p.into_inner());
        sized
            .get_or_insert_with(HashMap::new)
            .entry(size)
            .or_insert_with(|| {
                let padding = "x".repeat(size - r#"{"padding":""}"#.len());
                Bytes::from(format!(r#"{{"padding":"{padding}"}}"#))
            })
            .clone()
    };
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:18090".to_string());
    let mut server =
        HttpServer::new(|| App::new().service(hello).service(hello_sized)).bind(addr)?;
    if let Some(workers) = std::env::var("WORKERS").ok().and_then(|w| w.parse().ok()) {
        server = server.workers(workers);
    }
    server.run().await
}
