//! Token keys: verifying the JWTs municipalities issue (HS256 with a shared secret, RS/PS/ES
//! with public keys from a PEM file or a JWKS document) and issuing HS256 tokens for local use.
//!
//! Each key carries its own algorithm allow-list: the shared secret verifies only HS256, a
//! public key only the algorithms of its type, so `alg: none` and HS/RS confusion (a token
//! "signed" with a public key as HMAC secret) are refused by construction.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::error::AppError;

/// Which claims carry the organization, roles, units and display name.
#[derive(Debug, Clone)]
pub struct ClaimNames {
    pub organization: String,
    pub roles: String,
    pub units: String,
    pub name: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames {
            organization: "org".into(),
            roles: "roles".into(),
            units: "units".into(),
            name: "name".into(),
        }
    }
}

/// One verification key and the algorithms it may verify.
#[derive(Clone)]
struct Key {
    kid: Option<String>,
    key: DecodingKey,
    algorithms: Vec<Algorithm>,
}

/// What a verified token says, in our terms.
#[derive(Debug, Clone)]
pub struct VerifiedClaims {
    pub subject: String,
    pub organization: String,
    pub roles: Vec<String>,
    pub units: Vec<String>,
    pub name: Option<String>,
}

/// Verifies bearer tokens against the configured keys and rules.
#[derive(Clone)]
pub struct Verifier {
    secret: Option<DecodingKey>,
    public_keys: Vec<Key>,
    remote: Option<Arc<RemoteKeys>>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway: u64,
    /// The longest `exp − iat` taken; 0 takes any.
    max_lifetime: u64,
    claims: ClaimNames,
    /// Tokens verified lately (shared by the clones of one verifier).
    remembered: Arc<RwLock<Remembered>>,
}

/// Tokens verified lately, by the SHA-256 of the token (the token itself is not kept), with
/// their claims and the Unix time until which they are taken without verifying again: a
/// client sends the same token with every request, and verifying it (decoding, the
/// signature, the claims) cost more than a cached answer itself.
#[derive(Default)]
struct Remembered {
    tokens: HashMap<[u8; 32], (VerifiedClaims, i64)>,
    /// Bumped when the keys change: a token verified with the old keys while they were
    /// being replaced is not remembered.
    generation: u64,
}

/// The longest lifetime (`exp − iat`) a token may have by default: a day. A stolen token
/// that never expires is a key of its own.
pub const DEFAULT_MAX_LIFETIME_SECONDS: u64 = 86_400;

/// How long a verified token is taken at most without verifying it again (and never past
/// its `exp`): the longest a token signed by a key since removed is still taken.
const REMEMBER_SECONDS: i64 = 60;

/// How many verified tokens are remembered at most; at the limit the expired ones go, and
/// if that is not enough, all of them.
const REMEMBER_AT_MOST: usize = 10_000;

/// The longest bearer token read. Identity providers' tokens with many groups stay well
/// under it; anything longer is refused before it is decoded.
pub const MAX_TOKEN_LENGTH: usize = 16 * 1024;

const RSA_ALGORITHMS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

impl Verifier {
    /// A verifier for HS256 tokens signed with `secret` only.
    pub fn hs256(secret: &str) -> Verifier {
        Verifier {
            secret: Some(DecodingKey::from_secret(secret.as_bytes())),
            public_keys: Vec::new(),
            remote: None,
            issuer: None,
            audience: None,
            leeway: 30,
            max_lifetime: DEFAULT_MAX_LIFETIME_SECONDS,
            claims: ClaimNames::default(),
            remembered: Arc::default(),
        }
    }

    /// A verifier with no keys yet; add them with the `with_*` methods.
    pub fn empty() -> Verifier {
        Verifier {
            secret: None,
            ..Verifier::hs256("")
        }
    }

    pub fn with_secret(mut self, secret: &str) -> Verifier {
        self.secret = Some(DecodingKey::from_secret(secret.as_bytes()));
        self.reconfigured()
    }

    /// Adds the public key of a PEM file (RSA, EC or Ed25519).
    pub fn with_public_key_pem(mut self, pem: &[u8]) -> Result<Verifier, String> {
        let key = if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
            Key {
                kid: None,
                key,
                algorithms: RSA_ALGORITHMS.to_vec(),
            }
        } else if let Ok(key) = DecodingKey::from_ec_pem(pem) {
            Key {
                kid: None,
                key,
                algorithms: vec![Algorithm::ES256, Algorithm::ES384],
            }
        } else if let Ok(key) = DecodingKey::from_ed_pem(pem) {
            Key {
                kid: None,
                key,
                algorithms: vec![Algorithm::EdDSA],
            }
        } else {
            return Err("the PEM file holds no RSA, EC or Ed25519 public key".into());
        };
        self.public_keys.push(key);
        Ok(self.reconfigured())
    }

    /// Adds every signing key of a JWKS document (as Azure AD, Keycloak and other OpenID
    /// Connect providers publish at their `jwks_uri`).
    pub fn with_jwks(mut self, document: &str) -> Result<Verifier, String> {
        self.public_keys.extend(keys_from_jwks(document)?);
        Ok(self.reconfigured())
    }

    /// Also takes keys from a JWKS document at `url`, fetched on first use, again when a
    /// token names a key id not yet known (at most once per `min_refetch`, so that made-up
    /// key ids cannot make us hammer the provider), and when the copy is older than `max_age`.
    pub fn with_jwks_url(
        mut self,
        url: String,
        max_age: Duration,
        min_refetch: Duration,
    ) -> Verifier {
        let state = RwLock::new(RemoteState::default());
        self.remote = Some(Arc::new(RemoteKeys {
            url,
            max_age,
            min_refetch,
            state,
        }));
        self.reconfigured()
    }

    /// A verifier whose keys or rules were just changed remembers no token verified under
    /// the old ones (a clone reconfigured must not share its original's memory).
    fn reconfigured(mut self) -> Verifier {
        self.remembered = Arc::default();
        self
    }

    /// The claims of a token verified within the last `REMEMBER_SECONDS` and not expired
    /// since; `None` when it must be verified.
    pub fn recall(&self, token: &str) -> Option<VerifiedClaims> {
        let remembered = self
            .remembered
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match remembered.tokens.get(&digest(token)) {
            Some((claims, until)) if unix_now() < *until => Some(claims.clone()),
            _ => None,
        }
    }

    /// The generation of the keys a verification begins with.
    fn generation(&self) -> u64 {
        self.remembered
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .generation
    }

    fn remember(
        &self,
        token: &str,
        claims: &VerifiedClaims,
        expires: Option<i64>,
        generation: u64,
    ) {
        let Some(expires) = expires else { return };
        let now = unix_now();
        // Taken as long as `verify` would take it (`exp` plus the leeway), at most a minute.
        let until = expires
            .saturating_add(i64::try_from(self.leeway).unwrap_or(i64::MAX))
            .min(now + REMEMBER_SECONDS);
        let mut remembered = self
            .remembered
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if remembered.generation != generation {
            return;
        }
        let tokens = &mut remembered.tokens;
        if tokens.len() >= REMEMBER_AT_MOST {
            tokens.retain(|_, (_, until)| now < *until);
            if tokens.len() >= REMEMBER_AT_MOST {
                tokens.clear();
            }
        }
        tokens.insert(digest(token), (claims.clone(), until));
    }

    /// Forgets every verified token (the keys changed).
    fn forget_tokens(&self) {
        let mut remembered = self
            .remembered
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        remembered.tokens.clear();
        remembered.generation += 1;
    }

    /// Fetches the remote key set if it is due (never fetched, stale, or `unknown_kid` and
    /// not fetched within `min_refetch`). Errors are logged; the old keys stay in use.
    pub async fn refresh_if_due(&self, unknown_kid: bool) {
        let Some(remote) = &self.remote else { return };
        let due = {
            let state = remote
                .state
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match state.fetched_at {
                None => true,
                Some(at) => {
                    at.elapsed() > remote.max_age
                        || (unknown_kid && at.elapsed() >= remote.min_refetch)
                }
            }
        };
        if !due {
            return;
        }
        let fetched = fetch_jwks(&remote.url).await;
        let mut state = remote
            .state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.fetched_at = Some(Instant::now());
        match fetched {
            Ok(keys) => {
                log::info!("fetched {} signing key(s) from {}", keys.len(), remote.url);
                state.keys = keys;
                // A key may have been withdrawn: what it verified is verified again.
                self.forget_tokens();
            }
            Err(error) => log::warn!("cannot fetch the JWKS document {}: {error}", remote.url),
        }
    }

    /// Whether verifying this token needs a key this verifier does not hold (yet).
    pub fn lacks_key_for(&self, token: &str) -> bool {
        let Ok(header) = decode_header(token) else {
            return false;
        };
        if matches!(header.alg, Algorithm::HS256) || self.remote.is_none() {
            return false;
        }
        self.candidates(header.alg, header.kid.as_deref())
            .is_empty()
    }

    pub fn with_issuer(mut self, issuer: Option<String>) -> Verifier {
        self.issuer = issuer;
        self.reconfigured()
    }

    pub fn with_audience(mut self, audience: Option<String>) -> Verifier {
        self.audience = audience;
        self.reconfigured()
    }

    pub fn with_leeway(mut self, seconds: u64) -> Verifier {
        self.leeway = seconds;
        self.reconfigured()
    }

    /// The longest `exp − iat` taken (`JWT_MAX_LIFETIME_SECONDS`); with a limit, a token
    /// must carry `iat`. 0 takes any lifetime.
    pub fn with_max_lifetime(mut self, seconds: u64) -> Verifier {
        self.max_lifetime = seconds;
        self.reconfigured()
    }

    pub fn with_claim_names(mut self, names: ClaimNames) -> Verifier {
        self.claims = names;
        self.reconfigured()
    }

    /// Verifies a token: its key and algorithm, signature, `exp`, `nbf`, and `iss` and
    /// `aud` when configured; then reads our claims out of it, and remembers them (`recall`).
    pub fn verify(&self, token: &str) -> Result<VerifiedClaims, AppError> {
        let invalid = |why: String| AppError::Unauthorized(format!("invalid bearer token: {why}"));
        if token.len() > MAX_TOKEN_LENGTH {
            return Err(invalid(format!(
                "it is {} bytes long; at most {MAX_TOKEN_LENGTH} are read",
                token.len()
            )));
        }
        let generation = self.generation();
        let header = decode_header(token).map_err(|e| invalid(in_words(&e)))?;
        // RFC 7515 §4.1.11: a token that names extensions it must be understood with is
        // refused by a verifier that understands none.
        if header.crit.is_some() {
            return Err(invalid(
                "its header names critical extensions (`crit`), which this service does not support"
                    .into(),
            ));
        }
        let alg = header.alg;
        let remote_keys;
        let key = if matches!(alg, Algorithm::HS256) {
            self.secret
                .as_ref()
                .ok_or_else(|| invalid("HS256 tokens are not accepted here".into()))?
        } else {
            remote_keys = self.candidates(alg, header.kid.as_deref());
            match remote_keys.first() {
                Some(key) => &key.key,
                None => {
                    return Err(invalid(match header.kid {
                        Some(kid) => format!("no {alg:?} key with id `{kid}` is configured"),
                        None => format!("no {alg:?} key is configured"),
                    }))
                }
            }
        };
        let mut validation = Validation::new(alg);
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        if self.max_lifetime > 0 {
            required.push("iat");
        }
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        match &self.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        let data = decode::<Map<String, Value>>(token, key, &validation)
            .map_err(|e| invalid(in_words(&e)))?;
        self.check_lifetime(&data.claims).map_err(invalid)?;
        let claims = self.read_claims(&data.claims).map_err(invalid)?;
        let expires = data.claims.get("exp").and_then(Value::as_i64);
        self.remember(token, &claims, expires, generation);
        Ok(claims)
    }

    /// A token lives at most `max_lifetime` seconds from its `iat`.
    fn check_lifetime(&self, claims: &Map<String, Value>) -> Result<(), String> {
        if self.max_lifetime == 0 {
            return Ok(());
        }
        let number = |name: &str| claims.get(name).and_then(Value::as_i64);
        let Some(issued) = number("iat") else {
            return Err(format!(
                "it has no `iat` claim, so its lifetime cannot be checked (at most {} seconds, JWT_MAX_LIFETIME_SECONDS)",
                self.max_lifetime
            ));
        };
        let Some(expires) = number("exp") else {
            return Err("its `exp` must be a whole number of seconds".into());
        };
        let lifetime = expires.saturating_sub(issued);
        if lifetime > i64::try_from(self.max_lifetime).unwrap_or(i64::MAX) {
            return Err(format!(
                "it lives {lifetime} seconds from `iat` to `exp`; at most {} are taken (JWT_MAX_LIFETIME_SECONDS)",
                self.max_lifetime
            ));
        }
        Ok(())
    }

    /// The keys that may verify a token of `alg` naming `kid`: a key with that id wins over
    /// keys without one.
    fn candidates(&self, alg: Algorithm, kid: Option<&str>) -> Vec<Key> {
        let remote = self.remote.as_ref().map(|remote| {
            remote
                .state
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .keys
                .clone()
        });
        let all = self
            .public_keys
            .iter()
            .cloned()
            .chain(remote.into_iter().flatten());
        let mut found: Vec<Key> = all
            .filter(|k| k.algorithms.contains(&alg))
            .filter(|k| kid.is_none() || k.kid.is_none() || k.kid.as_deref() == kid)
            .collect();
        if let Some(kid) = kid {
            if found.iter().any(|k| k.kid.as_deref() == Some(kid)) {
                found.retain(|k| k.kid.as_deref() == Some(kid));
            }
        }
        found
    }

    fn read_claims(&self, claims: &Map<String, Value>) -> Result<VerifiedClaims, String> {
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
        let list = |name: &str| match claims.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            // One role as a string, or several separated by spaces (as OAuth scopes are).
            Some(Value::String(one)) => Ok(one.split_whitespace().map(str::to_string).collect()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or(format!("the `{name}` claim must hold strings"))
                })
                .collect(),
            Some(_) => Err(format!("the `{name}` claim must be a list of strings")),
        };
        Ok(VerifiedClaims {
            subject: text("sub").ok_or("the `sub` claim must be a string")?,
            organization: text(&self.claims.organization).ok_or(format!(
                "the token has no `{}` claim naming the organization",
                self.claims.organization
            ))?,
            roles: list(&self.claims.roles)?,
            units: list(&self.claims.units)?,
            name: text(&self.claims.name),
        })
    }
}

/// What is wrong with a token, in the API's words rather than the JWT library's.
fn in_words(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => "expired".into(),
        ErrorKind::ImmatureSignature => "not valid yet (`nbf` is in the future)".into(),
        ErrorKind::InvalidAudience => "wrong audience (`aud`)".into(),
        ErrorKind::InvalidIssuer => "wrong issuer (`iss`)".into(),
        ErrorKind::InvalidSubject => "wrong subject (`sub`)".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("it has no `{claim}` claim"),
        ErrorKind::InvalidSignature => "its signature does not verify".into(),
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => {
            "its algorithm is not accepted here".into()
        }
        ErrorKind::InvalidAlgorithmName => "its header names an unknown algorithm".into(),
        ErrorKind::InvalidKeyFormat | ErrorKind::InvalidEcdsaKey | ErrorKind::InvalidRsaKey(_) => {
            "no configured key can verify it".into()
        }
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => {
            "it is not a well-formed JWT (three base64url parts of JSON)".into()
        }
        _ => "it could not be verified".into(),
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The signing keys of a JWKS document, each with the algorithms it may verify.
fn keys_from_jwks(document: &str) -> Result<Vec<Key>, String> {
    let set: JwkSet =
        serde_json::from_str(document).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        let algorithms = match (&jwk.common.key_algorithm, &jwk.algorithm) {
            (Some(alg), _) => match alg.to_string().parse::<Algorithm>() {
                Ok(alg) => vec![alg],
                Err(_) => continue, // an encryption key, not for signatures
            },
            (None, AlgorithmParameters::RSA(_)) => RSA_ALGORITHMS.to_vec(),
            (None, AlgorithmParameters::EllipticCurve(ec)) => match ec.curve {
                EllipticCurve::P256 => vec![Algorithm::ES256],
                EllipticCurve::P384 => vec![Algorithm::ES384],
                _ => vec![Algorithm::EdDSA],
            },
            (None, AlgorithmParameters::OctetKeyPair(_)) => vec![Algorithm::EdDSA],
            // Symmetric keys are never taken from a key set, nor kinds we do not know.
            (None, _) => continue,
        };
        if algorithms
            .iter()
            .any(|a| matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
        {
            continue;
        }
        let key = DecodingKey::from_jwk(jwk)
            .map_err(|e| format!("a key of the JWKS document is unusable: {e}"))?;
        keys.push(Key {
            kid: jwk.common.key_id.clone(),
            key,
            algorithms,
        });
    }
    Ok(keys)
}

/// A key set published at a URL, and the copy fetched last.
struct RemoteKeys {
    url: String,
    max_age: Duration,
    min_refetch: Duration,
    state: RwLock<RemoteState>,
}

#[derive(Default)]
struct RemoteState {
    keys: Vec<Key>,
    fetched_at: Option<Instant>,
}

async fn fetch_jwks(url: &str) -> Result<Vec<Key>, String> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let mut response = client.get(url).send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("the server answered {}", response.status()));
    }
    let body = response
        .body()
        .limit(1024 * 1024)
        .await
        .map_err(|e| e.to_string())?;
    keys_from_jwks(&String::from_utf8_lossy(&body))
}

/// Issues HS256 tokens (the `token` command and tests).
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
}

impl TokenKeys {
    pub fn hs256(secret: &str) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
        }
    }

    pub fn issue<T: serde::Serialize>(&self, claims: &T) -> Result<String, String> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(|e| e.to_string())
    }
}
