//! SSO sign-in (OpenID Connect, authorization code + PKCE) through an agency's identity
//! provider, mapped to the portal user with the provider's verified e-mail.
//!
//! What is kept between the redirect to the provider and its callback (state, nonce, PKCE
//! verifier) lives in the session, which is stored in PostgreSQL: any node behind a load
//! balancer can take the callback. The provider's metadata is discovered by each node on its
//! own at first use and kept for an hour, so that a key rotation reaches the portal.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreTokenResponse, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError,
    SubjectIdentifier, TokenResponse,
};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::config::Settings;
use crate::db::{self, sign_in::Attempt};
use crate::domain::sso::{self, SsoAgencies, SsoCandidate, SsoRefusal};
use crate::error::AppError;
use crate::services::auth::{record_unless_throttled, SignInOutcome};

/// Minutes a person has at the provider before the sign-in started here is void.
pub const PENDING_MINUTES: i64 = 10;
/// How long discovered metadata (endpoints, signing keys) is used before it is fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// The client once built from discovered metadata: authorization and token endpoints set,
/// userinfo as the provider offers.
type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A sign-in sent to the provider, waiting for its callback (kept in the session).
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    state: String,
    nonce: String,
    pkce_verifier: String,
    started_at: DateTime<Utc>,
}

/// The provider's callback query.
#[derive(Debug, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    /// RFC 9207: the issuer that answers, when the provider says it.
    pub iss: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SsoOutcome {
    SignedIn(Uuid),
    Refused(SsoRefusal),
    Throttled {
        retry_after_minutes: i64,
    },
    /// The provider could not be reached (or its answer read): nobody is refused for it.
    Unavailable,
}

/// The provider could not be reached or answered nonsense at discovery.
#[derive(Debug, thiserror::Error)]
#[error("the identity provider is unavailable: {0}")]
pub struct ProviderUnavailable(String);

/// What the provider's verified answer says about the person.
struct Identity {
    email: Option<String>,
    email_verified: Option<bool>,
}

pub struct Sso {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect: RedirectUrl,
    agencies: SsoAgencies,
    /// The sign-in button's text, when configured.
    pub label: Option<String>,
    http: reqwest::Client,
    metadata: tokio::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl Sso {
    /// SSO as configured, or `None` when no issuer is (settings are checked at start-up).
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Sso>> {
        let Some(issuer) = settings.oidc_issuer() else {
            return Ok(None);
        };
        let text = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_string();
        let http = reqwest::Client::builder()
            // openidconnect's docs: following redirects would open the portal to SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()?;
        Ok(Some(Sso {
            issuer: IssuerUrl::new(issuer.to_string())?,
            client_id: ClientId::new(text(&settings.oidc_client_id)),
            client_secret: ClientSecret::new(text(&settings.oidc_client_secret)),
            redirect: RedirectUrl::new(settings.oidc_redirect_uri())?,
            agencies: SsoAgencies::parse(&settings.oidc_agencies).map_err(anyhow::Error::msg)?,
            label: settings.oidc_label.clone().filter(|l| !l.trim().is_empty()),
            http,
            metadata: tokio::sync::Mutex::new(None),
        }))
    }

    /// The client over the cached metadata, or over metadata discovered anew when it is old
    /// or `rediscover` asks.
    async fn client(&self, rediscover: bool) -> Result<Client, ProviderUnavailable> {
        let mut cached = self.metadata.lock().await;
        let fresh = cached
            .as_ref()
            .filter(|(at, _)| !rediscover && at.elapsed() < METADATA_TTL)
            .map(|(_, m)| m.clone());
        let metadata = match fresh {
            Some(m) => m,
            None => {
                let m = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
                    .await
                    .map_err(|e| ProviderUnavailable(error_chain(&e)))?;
                *cached = Some((Instant::now(), m.clone()));
                m
            }
        };
        Ok(CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            Some(self.client_secret.clone()),
        )
        .set_redirect_uri(self.redirect.clone()))
    }

    /// Where to send the person (scopes openid, email, profile), and what to keep until the
    /// callback.
    pub async fn begin(&self) -> Result<(String, PendingSignIn), ProviderUnavailable> {
        let client = self.client(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        let pending = PendingSignIn {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            started_at: Utc::now(),
        };
        Ok((url.to_string(), pending))
    }

    /// The callback: checks it belongs to the sign-in this session started, exchanges the code,
    /// verifies the ID token, then admits the portal user with the verified e-mail. Counts as a
    /// sign-in attempt once there is a verified e-mail to count it for.
    pub async fn finish(
        &self,
        pool: &PgPool,
        pending: Option<PendingSignIn>,
        callback: &Callback,
        client_ip: &str,
    ) -> Result<SsoOutcome, AppError> {
        let identity = match self.identify(pending, callback).await {
            Ok(Ok(identity)) => identity,
            Ok(Err(refusal)) => return Ok(SsoOutcome::Refused(refusal)),
            Err(unavailable) => {
                tracing::warn!(error = %unavailable, "SSO callback");
                return Ok(SsoOutcome::Unavailable);
            }
        };
        let email = match sso::verified_email(identity.email.as_deref(), identity.email_verified) {
            Ok(email) => email,
            Err(refusal) => {
                // Not recorded as a failed attempt: it would count against the account with
                // this address, and anyone may claim any address where it is not verified.
                tracing::info!(?refusal, "SSO sign-in refused before a user was looked up");
                return Ok(SsoOutcome::Refused(refusal));
            }
        };
        self.admit(pool, &email, client_ip).await
    }

    /// The checked identity the provider asserts, or why the callback proves nobody.
    async fn identify(
        &self,
        pending: Option<PendingSignIn>,
        callback: &Callback,
    ) -> Result<Result<Identity, SsoRefusal>, ProviderUnavailable> {
        let Some(pending) = pending.filter(|p| belongs_to(p, callback, Utc::now())) else {
            return Ok(Err(SsoRefusal::NotStarted));
        };
        if callback
            .iss
            .as_deref()
            .is_some_and(|iss| iss != self.issuer.as_str())
        {
            return Ok(Err(SsoRefusal::InvalidToken));
        }
        let (None, Some(code)) = (&callback.error, &callback.code) else {
            return Ok(Err(SsoRefusal::ProviderRefused));
        };
        let client = self.client(false).await?;
        let exchange = match client.exchange_code(AuthorizationCode::new(code.clone())) {
            Ok(request) => request,
            Err(e) => return Err(ProviderUnavailable(e.to_string())),
        };
        let tokens = match exchange
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
        {
            Ok(tokens) => tokens,
            Err(e) => {
                tracing::warn!(error = %error_chain(&e), "SSO code exchange refused");
                return Ok(Err(SsoRefusal::InvalidToken));
            }
        };
        let nonce = Nonce::new(pending.nonce);
        let mut checked = check_id_token(&client, &tokens, &nonce);
        let mut client = client;
        if matches!(checked, Err(IdTokenProblem::UnknownKey)) {
            // A key not among those fetched: the provider may have rotated its keys since.
            client = self.client(true).await?;
            checked = check_id_token(&client, &tokens, &nonce);
        }
        let Ok((mut identity, subject)) = checked else {
            return Ok(Err(SsoRefusal::InvalidToken));
        };
        if identity.email.is_none() {
            // Providers may keep the ID token small and give the profile at userinfo.
            identity = self
                .user_info(&client, tokens.access_token(), &subject)
                .await?;
        }
        Ok(Ok(identity))
    }

    /// The e-mail claims at the userinfo endpoint, for the ID token's subject only.
    async fn user_info(
        &self,
        client: &Client,
        access_token: &openidconnect::AccessToken,
        subject: &openidconnect::SubjectIdentifier,
    ) -> Result<Identity, ProviderUnavailable> {
        let request = client
            .user_info(access_token.clone(), Some(subject.clone()))
            .map_err(|e| ProviderUnavailable(e.to_string()))?;
        let info: CoreUserInfoClaims = request
            .request_async(&self.http)
            .await
            .map_err(|e| ProviderUnavailable(error_chain(&e)))?;
        Ok(Identity {
            email: info.email().map(|e| e.as_str().to_string()),
            email_verified: info.email_verified(),
        })
    }

    /// Finds the portal user with `email` and signs them in unless refused or throttled: under
    /// the same throttle as passwords, and recorded in the same audit trail.
    async fn admit(
        &self,
        pool: &PgPool,
        email: &str,
        client_ip: &str,
    ) -> Result<SsoOutcome, AppError> {
        let mut conn = pool.acquire().await?;
        let user = db::users::for_sso_by_email(&mut conn, email).await?;
        let candidate = user.as_ref().map(|u| SsoCandidate {
            agency_code: &u.agency_code,
            disabled: u.disabled,
        });
        let verdict = sso::may_sign_in(candidate.as_ref(), &self.agencies);
        let attempt = Attempt {
            email_lower: email,
            client_ip,
            user_id: user.as_ref().map(|u| u.id),
            agency_id: user.as_ref().map(|u| u.agency_id),
            succeeded: false,
        };
        let attempt_id = match record_unless_throttled(&mut conn, &attempt).await? {
            Ok(id) => id,
            Err(SignInOutcome::Throttled {
                retry_after_minutes,
            }) => {
                return Ok(SsoOutcome::Throttled {
                    retry_after_minutes,
                })
            }
            Err(other) => {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "throttle check answered {other:?}"
                )))
            }
        };
        match (verdict, user) {
            (Ok(()), Some(user)) => {
                db::sign_in::mark_succeeded(&mut conn, attempt_id).await?;
                Ok(SsoOutcome::SignedIn(user.id))
            }
            (Err(refusal), _) => Ok(SsoOutcome::Refused(refusal)),
            (Ok(()), None) => Ok(SsoOutcome::Refused(SsoRefusal::UnknownUser)),
        }
    }
}

/// Why an ID token was not accepted.
#[derive(Debug)]
enum IdTokenProblem {
    /// Signed with a key the fetched key set does not have.
    UnknownKey,
    /// Anything else: no ID token, bad signature, issuer, audience, nonce, expiry, or an
    /// access token that is not the one it was issued with.
    Refused,
}

/// Verifies the ID token of a token response (signature, issuer, audience, nonce, expiry, and
/// the access token hash when present): the identity it asserts and its subject.
fn check_id_token(
    client: &Client,
    tokens: &CoreTokenResponse,
    nonce: &Nonce,
) -> Result<(Identity, SubjectIdentifier), IdTokenProblem> {
    let id_token = tokens.id_token().ok_or(IdTokenProblem::Refused)?;
    let verifier = client.id_token_verifier();
    let claims = id_token.claims(&verifier, nonce).map_err(|e| {
        tracing::warn!(error = %e, "SSO ID token refused");
        match e {
            ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            ) => IdTokenProblem::UnknownKey,
            _ => IdTokenProblem::Refused,
        }
    })?;
    if let Some(expected) = claims.access_token_hash() {
        let actual = match (id_token.signing_alg(), id_token.signing_key(&verifier)) {
            (Ok(alg), Ok(key)) => AccessTokenHash::from_token(tokens.access_token(), alg, key).ok(),
            _ => None,
        };
        if actual.as_ref() != Some(expected) {
            return Err(IdTokenProblem::Refused);
        }
    }
    let identity = Identity {
        email: claims.email().map(|e| e.as_str().to_string()),
        email_verified: claims.email_verified(),
    };
    Ok((identity, claims.subject().clone()))
}

/// Whether the callback answers this pending sign-in: the same state (compared in constant
/// time), within its minutes.
fn belongs_to(pending: &PendingSignIn, callback: &Callback, now: DateTime<Utc>) -> bool {
    let fresh = now - pending.started_at <= chrono::Duration::minutes(PENDING_MINUTES);
    let same_state = callback
        .state
        .as_deref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(pending.state.as_bytes())));
    fresh && same_state
}

/// An error with its sources, for the log (the provider's words are often in a source).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(started_at: DateTime<Utc>) -> PendingSignIn {
        PendingSignIn {
            state: "abc".into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            started_at,
        }
    }

    #[test]
    fn a_callback_belongs_to_the_pending_sign_in_with_its_state_in_time() {
        let now = Utc::now();
        let with = |state: Option<&str>| Callback {
            state: state.map(String::from),
            ..Callback::default()
        };
        assert!(belongs_to(&pending(now), &with(Some("abc")), now));
        assert!(!belongs_to(&pending(now), &with(Some("abd")), now));
        assert!(!belongs_to(&pending(now), &with(None), now));
        let old = now - chrono::Duration::minutes(PENDING_MINUTES + 1);
        assert!(!belongs_to(&pending(old), &with(Some("abc")), now));
    }
}
