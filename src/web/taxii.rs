//! TAXII 2.1 over HTTP (read): discovery, the API root, its collections and their objects and
//! manifests (domain::taxii decides what each holds). Authenticated by a portal token of scope
//! `share`, as `Authorization: Bearer <token>` or HTTP Basic with the token as the password
//! (what most TAXII clients offer); every answer, errors included, is `application/taxii+json`.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::domain::taxii::{self, ObjectsQuery, Page};
use crate::domain::tokens::TokenScope;
use crate::error::AppError;
use crate::services::taxii as svc;
use crate::web::api::access::ApiUser;
use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/taxii2/", get(discovery))
        .route("/taxii2/api/", get(api_root))
        .route("/taxii2/api/collections/", get(collections))
        .route("/taxii2/api/collections/{id}/", get(collection))
        .route("/taxii2/api/collections/{id}/objects/", get(objects))
        .route("/taxii2/api/collections/{id}/manifest/", get(manifest))
}

/// A TAXII answer: the body, with the TAXII media type.
fn answer(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, taxii::MEDIA_TYPE)],
        body.to_string(),
    )
        .into_response()
}

/// Why a TAXII request is refused; answered as a TAXII error message.
enum Refused {
    App(AppError),
    BadRequest(String),
    NotAcceptable,
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::App(e)
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let (status, title, description) = match self {
            Refused::NotAcceptable => (
                StatusCode::NOT_ACCEPTABLE,
                "Not Acceptable",
                "this server answers application/taxii+json;version=2.1".to_owned(),
            ),
            Refused::BadRequest(why) => (StatusCode::BAD_REQUEST, "Bad Request", why),
            Refused::App(AppError::Unauthenticated) => (
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "send a portal token of scope `share` as a Bearer token or as the Basic password"
                    .to_owned(),
            ),
            Refused::App(AppError::Forbidden) => (
                StatusCode::FORBIDDEN,
                "Forbidden",
                "TAXII is for supervising agencies, with a token of scope `share`".to_owned(),
            ),
            Refused::App(AppError::NotFound) => (
                StatusCode::NOT_FOUND,
                "Not Found",
                "no such collection for this token".to_owned(),
            ),
            Refused::App(other) => {
                other.log_if_server_error();
                (other.status(), "Error", other.message().1.to_owned())
            }
        };
        let mut r = answer(status, &taxii::error(status.as_u16(), title, &description));
        // 401 names the schemes a client may use.
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer, Basic realm=\"taxii\""),
            );
        }
        r
    }
}

/// The token of `Authorization: Bearer <token>` or `Basic base64(<anything>:<token>)`.
fn token_of(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = if let Some(t) = value.strip_prefix("Bearer ") {
        t.trim().to_owned()
    } else {
        use base64::Engine;
        let raw = value.strip_prefix("Basic ")?.trim();
        let decoded = base64::engine::general_purpose::STANDARD.decode(raw).ok()?;
        String::from_utf8(decoded)
            .ok()?
            .split_once(':')?
            .1
            .to_owned()
    };
    (!token.is_empty() && token.len() <= 128).then_some(token)
}

fn check_accept(headers: &HeaderMap) -> Result<(), Refused> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    taxii::accepts(accept)
        .then_some(())
        .ok_or(Refused::NotAcceptable)
}

/// The caller, after the `Accept` header and the token are checked.
async fn caller(state: &AppState, headers: &HeaderMap) -> Result<ApiUser, Refused> {
    check_accept(headers)?;
    let token = token_of(headers).ok_or(AppError::Unauthenticated)?;
    Ok(ApiUser::of_token(state, &token, TokenScope::Share).await?)
}

/// Discovery is open: it names the API root and nothing of any agency.
async fn discovery(headers: HeaderMap) -> Result<Response, Refused> {
    check_accept(&headers)?;
    Ok(answer(StatusCode::OK, &taxii::discovery()))
}

async fn api_root(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Refused> {
    let me = caller(&state, &headers).await?;
    // The root is there for whoever has a collection in it: a supervising agency.
    svc::collections(&state.pool, me.acting()).await?;
    Ok(answer(StatusCode::OK, &taxii::api_root()))
}

async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    let me = caller(&state, &headers).await?;
    let list = svc::collections(&state.pool, me.acting()).await?;
    Ok(answer(StatusCode::OK, &json!({ "collections": list })))
}

fn collection_id(raw: &str) -> Result<Uuid, Refused> {
    Uuid::try_parse(raw).map_err(|_| Refused::App(AppError::NotFound))
}

async fn collection(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Refused> {
    let me = caller(&state, &headers).await?;
    let c = svc::collection(&state.pool, me.acting(), collection_id(&id)?).await?;
    Ok(answer(StatusCode::OK, &c))
}

/// The page a Get Objects or Get Manifest request asks for.
async fn page_of(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    query: Option<String>,
) -> Result<Page, Refused> {
    let me = caller(state, headers).await?;
    let id = collection_id(id)?;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let q = ObjectsQuery::parse(&pairs).map_err(|e| Refused::BadRequest(e.description()))?;
    Ok(svc::objects(&state.pool, me.acting(), id, &q).await?)
}

/// The page's body with `X-TAXII-Date-Added-First` and `-Last` (section 3.3.2).
fn paged(page: &Page, body: &Value) -> Response {
    let mut r = answer(StatusCode::OK, body);
    if let Some((first, last)) = page.date_added_range() {
        for (name, v) in [
            ("x-taxii-date-added-first", first),
            ("x-taxii-date-added-last", last),
        ] {
            if let Ok(v) = HeaderValue::from_str(&v) {
                r.headers_mut().insert(name, v);
            }
        }
    }
    r
}

async fn objects(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Refused> {
    let page = page_of(&state, &headers, &id, query).await?;
    Ok(paged(&page, &taxii::envelope(&page)))
}

/// Get Manifest: the same page as Get Objects, one record per object.
async fn manifest(
    state: State<AppState>,
    headers: HeaderMap,
    id: Path<String>,
    query: RawQuery,
) -> Result<Response, Refused> {
    let page = page_of(&state, &headers, &id, query.0).await?;
    Ok(paged(&page, &taxii::manifest(&page)))
}
