//! The test harness: the real app (`build_app`) over a fresh database per test — a SQLite
//! file always, and a PostgreSQL database when `TEST_DATABASE_URL` is set — called through
//! actix's test service, with tokens for any roles.
#![allow(dead_code)]

use std::rc::Rc;

use actix_http::Request;
use actix_web::body::{to_bytes, BoxBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::test;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

use malstyrning::app::{build_app, AppState};
use malstyrning::auth::{Claims, TokenKeys, Verifier};
use malstyrning::db::{self, Backend};
use malstyrning::store::Store;

pub const SECRET: &str = "test-only-secret-0123456789abcdef0123456789";

/// Runs each named test function once per backend: `sqlite::name` and `postgres::name`
/// (the PostgreSQL run is ignored, and counted so, when `TEST_DATABASE_URL` was not set at
/// build time; see build.rs).
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_rt::test]
                async fn $name() {
                    super::$name($crate::common::TestApp::sqlite().await).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_rt::test]
                #[cfg_attr(not(postgres_tests), ignore = "set TEST_DATABASE_URL to run it")]
                async fn $name() {
                    let app = $crate::common::TestApp::postgres().await;
                    super::$name(app.expect("TEST_DATABASE_URL is set")).await
                }
            )*
        }
    };
}

/// A database that exists for one test and is removed after it.
pub enum TestDb {
    Sqlite(String),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            TestDb::Postgres { admin_url, name } => {
                if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                    let _ = conn
                        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
                }
            }
        }
    }
}

/// A new, empty PostgreSQL database on `TEST_DATABASE_URL`'s server: its URL, and the guard
/// that drops it. None when `TEST_DATABASE_URL` is not set.
pub fn postgres_database(purpose: &str) -> Option<(String, TestDb)> {
    postgres_database_like(purpose, None)
}

/// A new PostgreSQL database, a copy of `template` when one is given.
fn postgres_database_like(purpose: &str, template: Option<&str>) -> Option<(String, TestDb)> {
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let name = format!("malstyrning_{purpose}_{}", uuid::Uuid::new_v4().simple());
    let mut admin = diesel::PgConnection::establish(&admin_url)
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL does not connect: {e}"));
    let like = template.map_or(String::new(), |t| format!(" TEMPLATE \"{t}\""));
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\"{like}"))
        .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
    let url = database_url_with_name(&admin_url, &name);
    Some((url, TestDb::Postgres { admin_url, name }))
}

/// A fingerprint of one backend's migrations, their names and their SQL: a migrated
/// template database is made once per fingerprint and copied for every test, rather than
/// each test migrating a database of its own.
fn migrations_fingerprint(backend: &str) -> String {
    use sha2::Digest;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut migrations: Vec<_> = std::fs::read_dir(&dir)
        .expect("the migrations")
        .map(|entry| entry.expect("a migration").path())
        .collect();
    migrations.sort();
    let mut hash = sha2::Sha256::new();
    for migration in migrations {
        hash.update(migration.to_string_lossy().as_bytes());
        hash.update(std::fs::read(migration.join("up.sql")).expect("up.sql"));
    }
    hex::encode(&hash.finalize()[..8])
}

/// The migrated SQLite template, in Cargo's directory for test files: made once per set of
/// migrations (written aside and renamed into place, so a half-made one is never seen).
fn sqlite_template() -> &'static std::path::Path {
    static TEMPLATE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let path = dir.join(format!("template-{}.db", migrations_fingerprint("sqlite")));
        if !path.exists() {
            let building = dir.join(format!("building-{}.db", uuid::Uuid::new_v4().simple()));
            let backend = Backend::Sqlite(building.to_string_lossy().to_string());
            let mut conn = db::ConnectionManager::new(backend)
                .connect()
                .expect("a template database");
            db::run_migrations(&mut conn).expect("migrations");
            // One self-contained file: the write-ahead log folded in and switched off.
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
                .expect("the template is checkpointed");
            drop(conn);
            std::fs::rename(&building, &path).expect("the template is in place");
        }
        path
    })
}

/// The migrated PostgreSQL template's name, made once per set of migrations under an
/// advisory lock (test processes may start together); templates of earlier migrations go.
fn postgres_template(admin_url: &str) -> &'static str {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        #[derive(diesel::QueryableByName)]
        struct Database {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        use diesel::RunQueryDsl;
        let name = format!(
            "malstyrning_template_{}",
            migrations_fingerprint("postgres")
        );
        let mut admin = diesel::PgConnection::establish(admin_url)
            .unwrap_or_else(|e| panic!("TEST_DATABASE_URL does not connect: {e}"));
        admin
            .batch_execute("SELECT pg_advisory_lock(7317001)")
            .expect("the template lock");
        let templates: Vec<String> = diesel::sql_query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'malstyrning\\_template\\_%'",
        )
        .load::<Database>(&mut admin)
        .expect("the databases")
        .into_iter()
        .map(|d| d.datname)
        .collect();
        if !templates.contains(&name) {
            let building = format!("{name}_building");
            // One statement a call: neither may run inside the transaction several make.
            admin
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
                ))
                .expect("no half-made template");
            admin
                .batch_execute(&format!("CREATE DATABASE \"{building}\""))
                .expect("a template database");
            let url = database_url_with_name(admin_url, &building);
            let mut conn = db::ConnectionManager::new(Backend::Postgres(url))
                .connect()
                .expect("the template database");
            db::run_migrations(&mut conn).expect("migrations");
            drop(conn);
            admin
                .batch_execute(&format!(
                    "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
                ))
                .expect("the template is in place");
            for old in templates.iter().filter(|t| !t.ends_with("_building")) {
                // In use by another run of older code: it stays for now.
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{old}\""));
            }
        }
        admin
            .batch_execute("SELECT pg_advisory_unlock(7317001)")
            .expect("the template lock is given up");
        name
    })
}

/// One HTTP/1.1 request as a test's receiver reads it: the headers (lower-case names) and
/// the body.
pub fn read_request(
    reader: &mut impl std::io::BufRead,
) -> std::io::Result<(std::collections::HashMap<String, String>, Vec<u8>)> {
    let mut headers = std::collections::HashMap::new();
    let mut line = String::new();
    reader.read_line(&mut line)?;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok((headers, body))
}

type Call = Box<dyn Fn(Request) -> LocalBoxFuture<'static, ServiceResponse<BoxBody>>>;

/// One running app with its own database and organization.
pub struct TestApp {
    call: Call,
    pub store: Store,
    pub backend: &'static str,
    /// The organization every token of `token()` names; created through the API.
    pub org: String,
    keys: TokenKeys,
    _db: Rc<TestDb>,
}

/// A response as a client sees it.
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }
    /// The `id` field of a JSON body.
    pub fn id(&self) -> String {
        self.json()["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.text()))
            .to_string()
    }
    /// Asserts a problem+json body with this status; returns it.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "expected {status}, got {}: {}",
            self.status,
            self.text()
        );
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "{}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["status"], status);
        assert!(body["type"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(body["title"].as_str().is_some());
        body
    }
    /// The fields named in a problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Asserts a status; returns the JSON body.
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "expected {status}, got {}: {}",
            self.status,
            self.text()
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }
}

/// Database connections of a test's pool.
const POOL_SIZE: u32 = 4;

impl TestApp {
    pub async fn sqlite() -> TestApp {
        TestApp::sqlite_with_pool(POOL_SIZE).await
    }

    /// On SQLite, with a pool of `size` connections.
    pub async fn sqlite_with_pool(size: u32) -> TestApp {
        let path = std::env::temp_dir().join(format!(
            "malstyrning-test-{}.db",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::copy(sqlite_template(), &path).expect("a copy of the template");
        let path = path.to_string_lossy().to_string();
        TestApp::start(Backend::Sqlite(path.clone()), TestDb::Sqlite(path), size).await
    }

    pub async fn postgres() -> Option<TestApp> {
        let admin_url = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let template = postgres_template(&admin_url);
        let (url, db) = postgres_database_like("test", Some(template))?;
        Some(TestApp::start(Backend::Postgres(url), db, POOL_SIZE).await)
    }

    async fn start(backend: Backend, db_guard: TestDb, pool_size: u32) -> TestApp {
        let backend_name = backend.name();
        // A copy of the migrated template.
        let pool = db::connect_pool(backend.clone(), pool_size)
            .unwrap_or_else(|e| panic!("cannot open the test database: {e}"));
        let store = Store::new(pool, backend);
        let keys = TokenKeys::hs256(SECRET);
        let call = service(&store, Verifier::hs256(SECRET)).await;
        let org = uuid::Uuid::new_v4().to_string();
        let mut app = TestApp {
            call,
            store,
            backend: backend_name,
            org: org.clone(),
            keys,
            _db: Rc::new(db_guard),
        };
        app.register(&org, "Testkommun", &code_for(&org)).await;
        app.org = org;
        app
    }

    /// A second instance of the service over the same database, with its own answer
    /// cache: what two processes serving one database are to each other.
    pub async fn second_instance(&self) -> TestApp {
        let store = Store::new(self.store.pool.clone(), self.store.backend().clone());
        TestApp {
            call: service(&store, Verifier::hs256(SECRET)).await,
            store,
            backend: self.backend,
            org: self.org.clone(),
            keys: self.keys.clone(),
            _db: self._db.clone(),
        }
    }

    /// What a running server does every `CACHE_SYNC_MS`: drops the cached answers of
    /// organizations whose data changed elsewhere.
    pub fn sync_cache(&self) {
        let mut conn = self.store.pool.get().expect("a connection");
        self.store.cache.sync(&mut conn).expect("the cache syncs");
    }

    /// The same app and database, verifying tokens with another verifier.
    pub async fn with_verifier(mut self, verifier: Verifier) -> TestApp {
        self.call = service(&self.store, verifier).await;
        self
    }

    /// The same app and database, serving `/metrics` to callers presenting `token`.
    pub async fn with_metrics_token(mut self, token: &str) -> TestApp {
        self.call = service_of(AppState {
            metrics: malstyrning::metrics::Metrics::new(Some(token)),
            ..state(&self.store, Verifier::hs256(SECRET))
        })
        .await;
        self
    }

    /// A token for the test organization with these roles.
    pub fn token(&self, roles: &[&str]) -> String {
        self.token_for(&self.org, roles)
    }

    /// A token for the test organization with these roles, scoped to these units.
    pub fn scoped_token(&self, roles: &[&str], units: &[&str]) -> String {
        self.issue(&self.org, roles, units)
    }

    /// A token for any organization id.
    pub fn token_for(&self, org: &str, roles: &[&str]) -> String {
        self.issue(org, roles, &[])
    }

    /// A token for any organization id with these roles and units.
    pub fn issue(&self, org: &str, roles: &[&str], units: &[&str]) -> String {
        issue_with(&self.keys, org, roles, units)
    }

    pub fn admin(&self) -> String {
        self.token(&["admin"])
    }

    /// Sends a request with optional token, JSON body and extra headers.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = test::TestRequest::default().method(method).uri(path);
        if let Some(token) = token {
            req = req.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let has_body = body.is_some();
        if let Some(body) = body {
            req = req.set_payload(body);
        }
        let mut content_type_given = false;
        for (name, value) in headers {
            content_type_given |= name.eq_ignore_ascii_case("content-type");
            req = req.insert_header((
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            ));
        }
        if has_body && !content_type_given {
            req = req.insert_header(("Content-Type", "application/json"));
        }
        self.call(req.to_request()).await
    }

    /// Sends a request built by hand (bytes that are not text in a header, a peer address).
    pub async fn call(&self, req: Request) -> Resp {
        let response = (self.call)(req).await;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body())
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.send(Method::GET, path, Some(token), None, &[]).await
    }

    /// A read with `Cache-Control: no-cache`: the database's state, not this instance's
    /// answer cache, for reading writes made through other instances.
    pub async fn get_afresh(&self, path: &str, token: &str) -> Resp {
        self.send(
            Method::GET,
            path,
            Some(token),
            None,
            &[("Cache-Control", "no-cache")],
        )
        .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(
            Method::POST,
            path,
            Some(token),
            Some(body.to_string().into_bytes()),
            &[],
        )
        .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(
            Method::PATCH,
            path,
            Some(token),
            Some(body.to_string().into_bytes()),
            &[],
        )
        .await
    }

    pub async fn patch_if_match(&self, path: &str, token: &str, etag: &str, body: Value) -> Resp {
        self.send(
            Method::PATCH,
            path,
            Some(token),
            Some(body.to_string().into_bytes()),
            &[("If-Match", etag)],
        )
        .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.send(Method::DELETE, path, Some(token), None, &[])
            .await
    }

    /// Every item of a list that fits one page of 500 (asserted).
    pub async fn items(&self, path: &str, token: &str) -> Vec<Value> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let page = self
            .get(&format!("{path}{separator}limit=500"), token)
            .await
            .expect(200);
        assert!(page["next_cursor"].is_null(), "{path} fits one page");
        page["items"].as_array().cloned().expect("items")
    }

    /// Creates a record as admin and returns its id.
    pub async fn create(&self, path: &str, body: Value) -> String {
        let response = self.post(path, &self.admin(), body).await;
        assert_eq!(
            response.status,
            201,
            "creating at {path}: {}",
            response.text()
        );
        response.id()
    }

    /// Registers a second organization ("Gislaveds kommun", with a municipality code other
    /// than the test organization's) and returns its id.
    pub async fn another_organization(&self) -> String {
        self.another_organization_named("Gislaveds kommun", "0662")
            .await
    }

    /// Registers another organization with this name and municipality code (or, should
    /// the test organization have that code, another one) and returns its id.
    pub async fn another_organization_named(&self, name: &str, code: &str) -> String {
        let other = uuid::Uuid::new_v4().to_string();
        let code = if code_for(&self.org) == code {
            "0665"
        } else {
            code
        };
        self.register(&other, name, code).await;
        other
    }

    /// Registers an organization as the operator does (`malstyrning organizations register`).
    pub async fn register(&self, id: &str, name: &str, code: &str) {
        let (id, code, name) = (
            id.parse().expect("a UUID"),
            code.to_string(),
            name.to_string(),
        );
        self.store
            .transaction(move |conn| {
                malstyrning::api::organizations::register(conn, id, &code, Some(name))
            })
            .await
            .expect("the operator registers the organization");
    }

    /// Changes an organization's municipality code as the operator does
    /// (`malstyrning organizations set`).
    pub async fn set_code(&self, id: &str, code: &str) {
        let (id, code) = (id.parse().expect("a UUID"), code.to_string());
        self.store
            .transaction(move |conn| {
                malstyrning::api::organizations::set_identity(conn, id, Some(code), None)
            })
            .await
            .expect("the operator sets the code");
        self.sync_cache();
    }

    /// Another organization (created through the API) with its own adopted overarching
    /// goal; returns the goal's id.
    pub async fn goal_of_another_organization(&self) -> String {
        let other = self.another_organization().await;
        let admin = self.token_for(&other, &["admin"]);
        let create = |path: &'static str, body: Value| {
            let admin = admin.clone();
            async move { self.post(path, &admin, body).await.expect(201)["id"].clone() }
        };
        let council = create(
            "/api/v1/units",
            json!({"kind": "council", "name": "Kommunfullmäktige", "short_code": "KF"}),
        )
        .await;
        let plan_period = create(
            "/api/v1/plan-periods",
            json!({"name": "Mandatperioden 2011–2014", "start_date": "2011-01-01", "end_date": "2014-12-31"}),
        )
        .await;
        let perspective = create(
            "/api/v1/perspectives",
            json!({"plan_period_id": plan_period, "name": "Medborgar/kundmål", "focus": "external", "position": 1}),
        )
        .await;
        let goal = create(
            "/api/v1/goals",
            json!({"plan_period_id": plan_period, "perspective_id": perspective, "owner_unit_id": council,
                   "number": 1, "title": "Gislaved ska vara en trygg kommun att leva i.", "state": "adopted", "decision_reference": "KF 2010-11-25 § 123", "decided_on": "2010-11-25", "decided_by_unit_id": council}),
        )
        .await;
        goal.as_str().expect("an id").to_string()
    }

    /// The test organization's code is derived from its id; should it happen to be the
    /// demo's, move it aside so that the demo gets an organization of its own.
    pub async fn make_room_for_the_demo(&self) {
        if code_for(&self.org) == malstyrning::demo::MUNICIPALITY_CODE {
            self.set_code(&self.org, "0684").await;
        }
    }

    /// Loads the demo organisation into this app's database; returns what the loader says.
    pub fn load_demo(&self) -> String {
        let mut conn = self.store.pool.get().expect("a connection");
        malstyrning::demo::load(&mut conn).expect("the demo loads")
    }

    /// The demo organisation, once loaded.
    pub fn demo_organization(&self) -> malstyrning::store::organizations::Organization {
        let mut conn = self.store.pool.get().expect("a connection");
        malstyrning::store::organizations::find_by_code(
            &mut conn,
            malstyrning::demo::MUNICIPALITY_CODE,
        )
        .expect("a query")
        .expect("the demo organization")
    }

    /// A small goal model: council, board, administration, team, plan period,
    /// perspective, overarching goal 1 and a department goal.
    pub async fn model(&self) -> Model {
        let council = self
            .create(
                "/api/v1/units",
                json!({"kind": "council", "name": "Kommunfullmäktige", "short_code": "KF"}),
            )
            .await;
        let board = self.create("/api/v1/units", json!({"kind": "board", "name": "Barn- och utbildningsnämnden", "short_code": "BUN"})).await;
        let administration = self
            .create("/api/v1/units", json!({"kind": "administration", "name": "Barn- och utbildningsförvaltningen", "parent_id": board}))
            .await;
        let team = self.create("/api/v1/units", json!({"kind": "team", "name": "Arbetslag Blå", "short_code": "BLA", "parent_id": administration})).await;
        let plan_period = self
            .create("/api/v1/plan-periods", json!({"name": "Mandatperioden 2011–2014", "start_date": "2011-01-01", "end_date": "2014-12-31"}))
            .await;
        let perspective = self
            .create("/api/v1/perspectives", json!({"plan_period_id": plan_period, "name": "Medborgar/kundmål", "focus": "external", "position": 1}))
            .await;
        let goal = self
            .create(
                "/api/v1/goals",
                json!({"plan_period_id": plan_period, "perspective_id": perspective, "owner_unit_id": council, "number": 1,
                       "title": "Invånarna i Värnamo kommun ska känna sig trygga.", "state": "adopted", "decision_reference": "KF 2010-11-25 § 123", "decided_on": "2010-11-25", "decided_by_unit_id": council}),
            )
            .await;
        let department_goal = self
            .create(
                "/api/v1/department-goals",
                json!({"goal_id": goal, "owner_unit_id": board, "number": 1, "title": "Alla elever ska känna sig trygga i skolan."}),
            )
            .await;
        Model {
            council,
            board,
            administration,
            team,
            plan_period,
            perspective,
            goal,
            department_goal,
        }
    }
}

/// A token signed with `SECRET`, as a service started with `JWT_SECRET=SECRET` takes it.
pub fn issue_token(org: &str, roles: &[&str]) -> String {
    issue_with(&TokenKeys::hs256(SECRET), org, roles, &[])
}

fn issue_with(keys: &TokenKeys, org: &str, roles: &[&str], units: &[&str]) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: "test-user".into(),
        org: org.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        units: units.iter().map(|u| u.to_string()).collect(),
        exp: now + 600,
        iat: Some(now),
        name: None,
    };
    keys.issue(&claims).expect("a token")
}

/// The ids of a list page's items, in the order they were returned.
/// Makes a goal body adopted by `body` (a council or board): state and decision.
pub fn adopted(mut goal: Value, body: &str) -> Value {
    goal["state"] = json!("adopted");
    goal["decision_reference"] = json!("KF 2010-11-25 § 123");
    goal["decided_on"] = json!("2010-11-25");
    goal["decided_by_unit_id"] = json!(body);
    goal
}

/// The decision note that changing or retiring an adopted goal needs.
pub fn revision(body: &str, decided_on: &str) -> Value {
    json!({"reason": "Beslutad ändring.", "decision_reference": format!("KF {decided_on} § 77"),
           "decided_on": decided_on, "decided_by_unit_id": body})
}

pub fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {page}"))
        .iter()
        .map(|item| item["id"].as_str().expect("an id").to_string())
        .collect()
}

/// Ids of `TestApp::model`.
pub struct Model {
    pub council: String,
    pub board: String,
    pub administration: String,
    pub team: String,
    pub plan_period: String,
    pub perspective: String,
    pub goal: String,
    pub department_goal: String,
}

/// A real HTTP server running the app over a store, as `serve` runs it: its own worker
/// threads and sockets, so that requests to it run at the same time.
pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    handle: actix_web::dev::ServerHandle,
}

impl Server {
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

impl TestApp {
    /// This instance's app behind a real HTTP server with `workers` worker threads, on a free
    /// port of the loopback interface.
    pub fn http_server(&self, workers: usize) -> Server {
        let state = state(&self.store, Verifier::hs256(SECRET));
        let server = actix_web::HttpServer::new(move || build_app(state.clone()))
            .workers(workers)
            .bind(("127.0.0.1", 0))
            .expect("a port");
        let base = format!("http://{}", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Server { base, handle }
    }
}

/// A client for `Server`s: patient, since tests that run at once share the machine's cores.
pub fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(std::time::Duration::from_secs(120))
        .finish()
}

/// A request over HTTP, as a client of a `Server` sends it (without a token when it is "").
pub async fn http(
    client: &awc::Client,
    method: Method,
    url: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Resp {
    let mut request = client.request(method, url);
    if !token.is_empty() {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let sent = match body {
        Some(body) => request.send_json(body).await,
        None => request.send().await,
    };
    let mut response = sent.unwrap_or_else(|e| panic!("{url}: {e}"));
    let body = response
        .body()
        .limit(16 * 1024 * 1024)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    Resp {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: body.to_vec(),
    }
}

/// The state `serve` builds, over this store: its defaults where no test comes near them.
fn state(store: &Store, verifier: Verifier) -> AppState {
    AppState {
        store: store.clone(),
        verifier,
        body_limit: 64 * 1024,
        cors_origins: vec!["https://front.example".into()],
        idempotency_key_ttl: chrono::Duration::hours(
            malstyrning::config::DEFAULT_IDEMPOTENCY_KEY_TTL_HOURS,
        ),
        import_limit: 8 * 1024 * 1024,
        // The defaults `serve` runs with: no test comes near them.
        rate_limit: malstyrning::rate_limit::RateLimit::new(Default::default()),
        security_headers: Default::default(),
        metrics: Default::default(),
    }
}

/// The app as `serve` builds it, over this store, behind a callable.
async fn service(store: &Store, verifier: Verifier) -> Call {
    service_of(state(store, verifier)).await
}

/// The app of this state behind a callable.
async fn service_of(state: AppState) -> Call {
    let service = Rc::new(test::init_service(build_app(state)).await);
    Box::new(move |req| {
        let service = service.clone();
        Box::pin(async move {
            test::call_service(&*service, req)
                .await
                .map_into_boxed_body()
        })
    })
}

/// One of Sweden's municipality codes, derived from the organization id, so that test
/// organizations in one database seldom collide.
pub fn code_for(org: &str) -> String {
    use malstyrning::rules::municipalities::MUNICIPALITIES;
    let n = org
        .bytes()
        .fold(0u32, |acc, b| acc.wrapping_mul(31).wrapping_add(b as u32));
    MUNICIPALITIES[n as usize % MUNICIPALITIES.len()]
        .0
        .to_string()
}

pub fn database_url_with_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    match base[scheme_end..].find('/') {
        Some(slash) => format!("{}/{name}{query}", &base[..scheme_end + slash]),
        None => format!("{base}/{name}{query}"),
    }
}
