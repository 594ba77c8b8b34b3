//! The framework's ceiling for `bench/run.sh`: one actix-web handler answering a small JSON
//! object, nothing else (no database, no auth, no middleware), with the service's worker count
//! (`WORKERS`, else actix-web's default). `BIND_ADDR` as for the service.
//!
//! `cargo build --release --example hello && target/release/examples/hello`

use actix_web::{get, App, HttpResponse, HttpServer};

#[get("/hello")]
async fn hello() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"message": "Hej världen", "status": "ok"}))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:18090".to_string());
    let mut server = HttpServer::new(|| App::new().service(hello)).bind(addr)?;
    if let Some(workers) = std::env::var("WORKERS").ok().and_then(|w| w.parse().ok()) {
        server = server.workers(workers);
    }
    server.run().await
}
