//! Tokens as municipalities issue them: HS256 with a shared secret, ES256 with keys from a
//! JWKS document or a PEM file, checked for expiry, not-before, issuer and audience; and each
//! of the well-known attacks refused (RFC 8725). These run on SQLite: verification happens
//! before any database work.

use crate::common::TestApp;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use malstyrning::auth::{ClaimNames, Verifier};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{json, Value};

const ISSUER: &str = "https://login.kommun.example/realms/personal";
const AUDIENCE: &str = "malstyrning";

/// A fresh P-256 key pair: (private key PEM, public key PEM, public JWK).
fn key_pair() -> (String, String, Value) {
    let bytes = [
        uuid::Uuid::new_v4().into_bytes(),
        uuid::Uuid::new_v4().into_bytes(),
    ]
    .concat();
    let secret = p256::SecretKey::from_slice(&bytes).expect("32 random bytes make a key");
    let private = secret
        .to_pkcs8_pem(LineEnding::LF)
        .expect("PEM")
        .to_string();
    let public = secret
        .public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("PEM");
    let jwk: Value = serde_json::from_str(&secret.public_key().to_jwk_string()).expect("a JWK");
    (private, public, jwk)
}

fn jwks(keys: &[(&str, &Value)]) -> String {
    let keys: Vec<Value> = keys
        .iter()
        .map(|(kid, jwk)| {
            let mut jwk = (*jwk).clone();
            jwk["kid"] = json!(kid);
            jwk["use"] = json!("sig");
            jwk["alg"] = json!("ES256");
            jwk
        })
        .collect();
    json!({ "keys": keys }).to_string()
}

fn claims(app: &TestApp, seconds_to_expiry: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": "handlaggare-17", "org": app.org, "roles": ["admin"], "iss": ISSUER, "aud": AUDIENCE,
           "iat": now, "exp": now + seconds_to_expiry})
}

fn es256(private_pem: &str, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_string);
    let key = EncodingKey::from_ec_pem(private_pem.as_bytes()).expect("an EC key");
    encode(&header, claims, &key).expect("a token")
}

fn hs256(secret: &[u8], kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_string);
    encode(&header, claims, &EncodingKey::from_secret(secret)).expect("a token")
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An app that accepts ES256 tokens of the key "k1" from a JWKS document and HS256 tokens
/// of the shared secret, with issuer and audience checked.
async fn idp_app() -> (TestApp, String, String) {
    let (private, public, jwk) = key_pair();
    let verifier = Verifier::empty()
        .with_secret(crate::common::SECRET)
        .with_jwks(&jwks(&[("k1", &jwk)]))
        .expect("a JWKS document")
        .with_issuer(Some(ISSUER.into()))
        .with_audience(Some(AUDIENCE.into()))
        .with_leeway(5);
    let app = TestApp::sqlite().await.with_verifier(verifier).await;
    (app, private, public)
}

async fn status(app: &TestApp, token: &str) -> u16 {
    let response = app.get("/api/v1/units", token).await;
    if response.status == 401 {
        response.problem(401);
        assert!(response
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer")));
    }
    response.status
}

#[actix_rt::test]
async fn tokens_from_a_jwks_document_and_the_shared_secret_both_work() {
    let (app, private, _) = idp_app().await;
    assert_eq!(
        status(&app, &es256(&private, Some("k1"), &claims(&app, 300))).await,
        200
    );
    assert_eq!(
        status(
            &app,
            &hs256(crate::common::SECRET.as_bytes(), None, &claims(&app, 300))
        )
        .await,
        200
    );
}

#[actix_rt::test]
async fn each_bad_token_is_refused() {
    let (app, private, public) = idp_app().await;
    let (other_private, _, _) = key_pair();
    let now = chrono::Utc::now().timestamp();
    let with = |changes: Value| {
        let mut c = claims(&app, 300);
        for (k, v) in changes.as_object().expect("an object") {
            c[k] = v.clone();
        }
        c
    };
    let good = es256(&private, Some("k1"), &claims(&app, 300));
    let parts: Vec<&str> = good.split('.').collect();
    let mut tampered_payload = claims(&app, 300);
    tampered_payload["roles"] = json!(["admin", "council"]);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(tampered_payload.to_string().as_bytes()),
        parts[2]
    );
    let unsigned = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims(&app, 300).to_string().as_bytes())
    );

    let attacks: Vec<(&str, String)> = vec![
        (
            "expired",
            es256(&private, Some("k1"), &with(json!({"exp": now - 3600}))),
        ),
        (
            "not yet valid",
            es256(&private, Some("k1"), &with(json!({"nbf": now + 3600}))),
        ),
        (
            "wrong issuer",
            es256(
                &private,
                Some("k1"),
                &with(json!({"iss": "https://evil.example"})),
            ),
        ),
        (
            "wrong audience",
            es256(
                &private,
                Some("k1"),
                &with(json!({"aud": "another-service"})),
            ),
        ),
        (
            "no issuer",
            es256(&private, Some("k1"), &with(json!({"iss": null}))),
        ),
        ("alg none", unsigned),
        (
            "HS256 signed with the public key",
            hs256(public.as_bytes(), Some("k1"), &claims(&app, 300)),
        ),
        ("tampered payload", tampered),
        (
            "unknown kid",
            es256(&private, Some("k2"), &claims(&app, 300)),
        ),
        (
            "another key under a known kid",
            es256(&other_private, Some("k1"), &claims(&app, 300)),
        ),
        (
            "HS256 with another secret",
            hs256(
                b"another-secret-that-is-long-enough-0123",
                None,
                &claims(&app, 300),
            ),
        ),
    ];
    let mut accepted = Vec::new();
    for (name, token) in &attacks {
        let got = status(&app, token).await;
        if got != 401 {
            accepted.push(format!("{name}: {got}"));
        }
    }
    eprintln!("{} attacks tried", attacks.len());
    assert!(accepted.is_empty(), "tokens not refused: {accepted:?}");
}

/// A refusal says what is wrong in the API's words, never the JWT library's; a token that
/// lives longer than `JWT_MAX_LIFETIME_SECONDS` (a day by default), or carries no `iat`,
/// is refused.
#[actix_rt::test]
async fn token_errors_say_what_is_wrong_and_long_lives_are_refused() {
    let (app, private, _) = idp_app().await;
    let now = chrono::Utc::now().timestamp();
    let with = |changes: Value| {
        let mut c = claims(&app, 300);
        for (k, v) in changes.as_object().expect("an object") {
            match v {
                Value::Null => {
                    c.as_object_mut().map(|o| o.remove(k));
                }
                v => c[k] = v.clone(),
            }
        }
        es256(&private, Some("k1"), &c)
    };
    for (changes, words) in [
        (json!({"exp": now - 3600}), "expired"),
        (json!({"aud": "another-service"}), "wrong audience"),
        (json!({"iss": "https://evil.example"}), "wrong issuer"),
        (json!({"nbf": now + 3600}), "not valid yet"),
        (json!({"iat": null}), "no `iat`"),
        (
            json!({"iat": now, "exp": now + 2 * 86_400}),
            "JWT_MAX_LIFETIME_SECONDS",
        ),
        (
            json!({"iat": now - 86_400, "exp": now + 60}),
            "JWT_MAX_LIFETIME_SECONDS",
        ),
    ] {
        let refused = app.get("/api/v1/units", &with(changes.clone())).await;
        let detail = refused.problem(401)["detail"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(detail.contains(words), "{changes}: {detail}");
        for internal in [
            "ExpiredSignature",
            "InvalidAudience",
            "InvalidIssuer",
            "ImmatureSignature",
            "Error(",
        ] {
            assert!(!detail.contains(internal), "{detail}");
        }
    }
    let garbage = app.get("/api/v1/units", "not.a.token").await;
    let detail = garbage.problem(401)["detail"].to_string();
    assert!(detail.contains("not a well-formed JWT"), "{detail}");
    // A day exactly is taken.
    let day = with(json!({"iat": now, "exp": now + 86_400}));
    app.get("/api/v1/units", &day).await.expect(200);
}

/// With an identity provider's public keys, the issuer and audience must be configured:
/// the service refuses to start, naming them.
#[test]
fn public_keys_need_an_issuer_and_an_audience() {
    let (_, _, jwk) = key_pair();
    let dir = std::env::temp_dir().join(format!("malstyrning-jwks-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let file = dir.join("jwks.json");
    std::fs::write(&file, jwks(&[("k1", &jwk)])).expect("the JWKS file");
    for (issuer, audience) in [(None, None), (Some(ISSUER), None), (None, Some(AUDIENCE))] {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_malstyrning"));
        command
            .arg("serve")
            .env("JWT_JWKS_FILE", &file)
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.join("db.sqlite").display()),
            )
            .env("BIND_ADDR", "127.0.0.1:0")
            .env_remove("JWT_ISSUER")
            .env_remove("JWT_AUDIENCE");
        if let Some(issuer) = issuer {
            command.env("JWT_ISSUER", issuer);
        }
        if let Some(audience) = audience {
            command.env("JWT_AUDIENCE", audience);
        }
        let output = command.output().expect("the command runs");
        assert!(!output.status.success());
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(
            said.contains("JWT_ISSUER") && said.contains("JWT_AUDIENCE"),
            "{said}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `token` with a municipality code only reads: run where no database is, it creates
/// none and says which database it looked in; with one that lacks the code, it names it.
#[test]
fn a_token_by_code_creates_no_database_and_names_the_one_it_read() {
    let dir = std::env::temp_dir().join(format!("malstyrning-token-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let token = |database: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_malstyrning"))
            .args(["token", "--org", "0683", "--role", "viewer"])
            .env("DATABASE_URL", database)
            .env("JWT_SECRET", "test-only-secret-0123456789abcdef0123456789")
            .current_dir(&dir)
            .output()
            .expect("the command runs")
    };
    let missing = dir.join("none.db");
    let output = token(&missing);
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains(&*missing.to_string_lossy()), "{said}");
    assert!(!missing.exists(), "no database was created");

    // A migrated database without the code: the answer names it.
    let empty = dir.join("empty.db");
    let migrated = std::process::Command::new(env!("CARGO_BIN_EXE_malstyrning"))
        .arg("migrate")
        .env("DATABASE_URL", &empty)
        .output()
        .expect("the command runs");
    assert!(migrated.status.success());
    let output = token(&empty);
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("0683") && said.contains(&*empty.to_string_lossy()),
        "{said}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The generated development secret is the owner's alone to read (mode 0600).
#[cfg(unix)]
#[test]
fn the_development_secret_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = std::env::temp_dir().join(format!("malstyrning-home-{}", uuid::Uuid::new_v4()));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_malstyrning"))
        .args([
            "token",
            "--org",
            &uuid::Uuid::new_v4().to_string(),
            "--role",
            "viewer",
        ])
        .env("XDG_CONFIG_HOME", &home)
        .env_remove("JWT_SECRET")
        .output()
        .expect("the command runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let secret = home.join("malstyrning").join("dev-jwt-secret");
    let mode = std::fs::metadata(&secret)
        .expect("the secret file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    let _ = std::fs::remove_dir_all(&home);
}

#[actix_rt::test]
async fn a_pem_public_key_verifies_tokens_without_a_kid() {
    let (private, public, _) = key_pair();
    let verifier = Verifier::empty()
        .with_public_key_pem(public.as_bytes())
        .expect("a PEM key");
    let app = TestApp::sqlite().await.with_verifier(verifier).await;
    let mut c = claims(&app, 300);
    c.as_object_mut().map(|o| o.remove("iss"));
    assert_eq!(status(&app, &es256(&private, None, &c)).await, 200);
    // No shared secret is configured, so HS256 tokens are refused outright.
    assert_eq!(
        status(&app, &hs256(crate::common::SECRET.as_bytes(), None, &c)).await,
        401
    );
}

#[actix_rt::test]
async fn claim_names_follow_the_identity_provider() {
    let (private, _, jwk) = key_pair();
    let verifier = Verifier::empty()
        .with_jwks(&jwks(&[("k1", &jwk)]))
        .expect("a JWKS document")
        .with_claim_names(ClaimNames {
            organization: "kommun_id".into(),
            roles: "groups".into(),
            units: "enheter".into(),
            name: "preferred_username".into(),
        });
    let app = TestApp::sqlite().await.with_verifier(verifier).await;
    let now = chrono::Utc::now().timestamp();
    let token = es256(
        &private,
        Some("k1"),
        &json!({"sub": "handlaggare-17", "kommun_id": app.org, "groups": "viewer admin", "enheter": [],
                "preferred_username": "Handläggare 17", "iat": now, "exp": now + 300}),
    );
    let created = app
        .post(
            "/api/v1/units",
            &token,
            json!({"kind": "board", "name": "Kulturnämnden"}),
        )
        .await;
    created.expect(201);
    let trail = app
        .get("/api/v1/audit?entity_type=unit", &token)
        .await
        .expect(200);
    assert_eq!(trail["items"][0]["actor_name"], "Handläggare 17");
    // Our own claim name means nothing to this provider's configuration.
    let ours = es256(
        &private,
        Some("k1"),
        &json!({"sub": "x", "org": app.org, "roles": ["admin"], "exp": now + 300}),
    );
    assert_eq!(status(&app, &ours).await, 401);
}

/// A provider's `jwks_uri` on 127.0.0.1: serves whatever document it is given, counts fetches.
struct Provider {
    url: String,
    document: std::sync::Arc<std::sync::Mutex<String>>,
    fetches: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Provider {
    fn start(document: String) -> Provider {
        use actix_web::{web, App, HttpResponse, HttpServer};
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};
        let shared = Arc::new(Mutex::new(document));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (served, counted) = (shared.clone(), fetches.clone());
        let server = HttpServer::new(move || {
            let (served, counted) = (served.clone(), counted.clone());
            App::new().route(
                "/certs",
                web::get().to(move || {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let body = served.lock().map(|d| d.clone()).unwrap_or_default();
                    async move {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(body)
                    }
                }),
            )
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("a free port on 127.0.0.1");
        let port = server.addrs()[0].port();
        actix_rt::spawn(server.run());
        Provider {
            url: format!("http://127.0.0.1:{port}/certs"),
            document: shared,
            fetches,
        }
    }

    fn fetches(&self) -> usize {
        self.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn serve(&self, document: String) {
        if let Ok(mut served) = self.document.lock() {
            *served = document;
        }
    }
}

#[actix_rt::test]
async fn keys_are_fetched_from_the_provider_and_again_when_it_rotates_them() {
    use std::time::Duration;
    let (k1_private, _, k1) = key_pair();
    let (k2_private, _, k2) = key_pair();
    let provider = Provider::start(jwks(&[("k1", &k1)]));
    let verifier = Verifier::empty().with_jwks_url(
        provider.url.clone(),
        Duration::from_secs(3600),
        Duration::ZERO,
    );
    let app = TestApp::sqlite().await.with_verifier(verifier).await;
    let mut c = claims(&app, 300);
    c.as_object_mut().map(|o| {
        o.remove("iss");
        o.remove("aud")
    });

    let k1_token = es256(&k1_private, Some("k1"), &c);
    assert_eq!(status(&app, &k1_token).await, 200);
    assert_eq!(status(&app, &es256(&k1_private, Some("k1"), &c)).await, 200);
    assert_eq!(provider.fetches(), 1, "the key set is cached");

    // The provider rotates to k2: a token naming k2 makes us fetch again.
    provider.serve(jwks(&[("k2", &k2)]));
    assert_eq!(status(&app, &es256(&k2_private, Some("k2"), &c)).await, 200);
    assert_eq!(provider.fetches(), 2);
    // k1 is gone from the provider, so from us too: a new token of k1, and the token of k1
    // verified (and remembered) before the keys were fetched again.
    assert_eq!(status(&app, &es256(&k1_private, Some("k1"), &c)).await, 401);
    assert_eq!(status(&app, &k1_token).await, 401);
}

#[actix_rt::test]
async fn a_token_used_before_is_refused_once_it_expires() {
    let verifier = Verifier::hs256(crate::common::SECRET).with_leeway(0);
    let app = TestApp::sqlite().await.with_verifier(verifier).await;
    let mut c = claims(&app, 2);
    c.as_object_mut().map(|o| {
        o.remove("iss");
        o.remove("aud")
    });
    let token = hs256(crate::common::SECRET.as_bytes(), None, &c);
    // Verified once, then taken again (the service remembers verified tokens for a while).
    assert_eq!(status(&app, &token).await, 200);
    assert_eq!(status(&app, &token).await, 200);
    actix_rt::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(status(&app, &token).await, 401, "past its exp");
}

#[actix_rt::test]
async fn a_verifier_reconfigured_does_not_take_what_its_original_verified() {
    let original = Verifier::hs256(crate::common::SECRET);
    let app = TestApp::sqlite().await;
    let mut c = claims(&app, 300);
    c.as_object_mut().map(|o| o.remove("iss"));
    let token = hs256(crate::common::SECRET.as_bytes(), None, &c);
    assert!(original.verify(&token).is_ok());
    assert!(
        original.recall(&token).is_some(),
        "remembered once verified"
    );
    // The same keys, now requiring an issuer the token does not name.
    let stricter = original.clone().with_issuer(Some(ISSUER.into()));
    assert!(stricter.recall(&token).is_none());
    assert!(stricter.verify(&token).is_err());
    // A clone as it is shares what was verified.
    assert!(original.clone().recall(&token).is_some());
}

#[actix_rt::test]
async fn made_up_key_ids_do_not_make_us_hammer_the_provider() {
    use std::time::Duration;
    let (private, _, k1) = key_pair();
    let provider = Provider::start(jwks(&[("k1", &k1)]));
    let verifier = Verifier::empty().with_jwks_url(
        provider.url.clone(),
        Duration::from_secs(3600),
        Duration::from_secs(30),
    );
    let app = TestApp::sqlite().await.with_verifier(verifier).await;
    let mut c = claims(&app, 300);
    c.as_object_mut().map(|o| {
        o.remove("iss");
        o.remove("aud")
    });
    assert_eq!(status(&app, &es256(&private, Some("k1"), &c)).await, 200);
    for kid in ["x1", "x2", "x3", "x4", "x5"] {
        assert_eq!(status(&app, &es256(&private, Some(kid), &c)).await, 401);
    }
    assert_eq!(provider.fetches(), 1);
}
