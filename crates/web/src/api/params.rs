//! Reading the API's query strings and bodies strictly, and paging every list the same way.
//!
//! A parameter given is a parameter checked: an empty value, a repeated parameter or a value its
//! schema does not allow is a 400 naming it, never quietly the default.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri, header};
use carelog_domain::stored::Stored;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{ApiError, ApiResult};

/// The query string as `T`, or a 400 problem naming what is wrong with it.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|e| ApiError::BadRequest(query_problem(&e.to_string())))
    }
}

fn query_problem(error: &str) -> String {
    match error.strip_prefix("duplicate field `").and_then(|rest| rest.split('`').next()) {
        Some(field) => format!("{field}: given more than once; send each parameter once."),
        None => format!("The query string cannot be read: {error}."),
    }
}

/// A JSON body as `T`: 415 unless it is sent as JSON, 413 over `API_BODY_LIMIT_MB`, 400 when it is
/// not JSON or breaks `T`'s schema, 422 when its text holds a NUL (PostgreSQL cannot store one and
/// no person types one: the pages refuse it the same way).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::BadRequest(format!("Body: {}", e.body_text()))
            }
        })?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("Body: not JSON: {e}.")))?;
        if !value.is_object() {
            return Err(ApiError::BadRequest("Body: a JSON object, {…}.".into()));
        }
        if holds_nul(&value) {
            return Err(ApiError::Unprocessable(
                "Body: text may not contain a NUL character (\\u0000); nothing was saved.".into(),
                vec![],
            ));
        }
        serde_json::from_value(value)
            .map(ApiJson)
            .map_err(|e| ApiError::BadRequest(format!("Body: {e}.")))
    }
}

fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// JSON Schema's integer in a body: 5 and 5.0 alike, anything fractional refused.
pub fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    n.as_i64()
        .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18).map(|f| f as i64))
        .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number")))
}

/// [`integer`], when the field may be absent or null.
pub fn optional_integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => integer(Value::Number(n)).map(Some).map_err(serde::de::Error::custom),
    }
}

/// Dates in a body: each given must be YYYY-MM-DD (an empty one too is refused, not read as none).
pub fn body_dates(fields: &[(&str, Option<&str>)]) -> ApiResult<()> {
    for (field, value) in fields {
        date(field, *value, NaiveDate::MIN)?;
    }
    Ok(())
}

/// Only ASCII digits: no sign, no blanks, no empty value.
fn digits(raw: &str) -> Option<i64> {
    (!raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit())).then(|| raw.parse().ok()).flatten()
}

/// A whole number from 0 to `max`; `default` when the parameter is absent.
pub fn whole_number(field: &str, raw: Option<&str>, default: i64, max: i64) -> ApiResult<i64> {
    match raw {
        None => Ok(default),
        Some(v) => digits(v).filter(|n| *n <= max).ok_or_else(|| {
            ApiError::BadRequest(format!("{field}: a whole number from 0 to {max} (got \"{v}\")."))
        }),
    }
}

/// The id `raw` spells: a whole number from 1 to the schema's largest id, in digits only.
pub fn id_number(raw: &str) -> Option<i64> {
    digits(raw).filter(|n| (1..=carelog_domain::ids::LARGEST_ID).contains(n))
}

/// An id (a positive whole number); None when the parameter is absent.
pub fn id<T>(field: &str, raw: Option<&str>, typed: fn(i64) -> T) -> ApiResult<Option<T>> {
    match raw {
        None => Ok(None),
        Some(v) => id_number(v).map(|n| Some(typed(n))).ok_or_else(|| {
            ApiError::BadRequest(format!("{field}: \"{v}\" is not an id (a whole number from 1)."))
        }),
    }
}

/// The text has the shape of `pattern`, where each 0 stands for a digit and all else for itself.
pub fn shaped_like(text: &str, pattern: &str) -> bool {
    text.len() == pattern.len()
        && text
            .bytes()
            .zip(pattern.bytes())
            .all(|(t, p)| if p == b'0' { t.is_ascii_digit() } else { t == p })
}

/// A calendar date, YYYY-MM-DD; `default` when the parameter is absent. A value not shaped so is
/// a 400; one shaped so that names no day is a 422.
pub fn date(field: &str, raw: Option<&str>, default: NaiveDate) -> ApiResult<NaiveDate> {
    match raw {
        None => Ok(default),
        Some(v) if !shaped_like(v, "0000-00-00") => {
            Err(ApiError::BadRequest(format!("{field}: \"{v}\" is not a date (YYYY-MM-DD).")))
        }
        // Shaped like a date but naming no day (2026-02-30): the calendar's rule, not the schema's.
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
            ApiError::Unprocessable(format!("{field}: {v} is not a day of the calendar."), vec![])
        }),
    }
}

/// One of a vocabulary's values, spelled exactly as the schema lists it; None when absent.
pub fn one_of<T: Stored>(field: &str, raw: Option<&str>) -> ApiResult<Option<T>> {
    match raw {
        None => Ok(None),
        Some(v) => T::from_stored(v).map(Some).ok_or_else(|| {
            let allowed: Vec<&str> = T::all().iter().map(|t| t.stored()).collect();
            ApiError::BadRequest(format!("{field}: \"{v}\" is not one of {}.", allowed.join(", ")))
        }),
    }
}

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

/// The largest `offset` the API reads: far beyond any practice's rows, well within a whole number.
pub const MAX_OFFSET: i64 = 1_000_000_000;

impl Window {
    pub fn read(
        limit: Option<&str>,
        offset: Option<&str>,
        default: i64,
        max: i64,
    ) -> ApiResult<Self> {
        Ok(Window {
            limit: whole_number("limit", limit, default, max)?,
            offset: whole_number("offset", offset, 0, MAX_OFFSET)?,
        })
    }

    /// This window's rows of an in-memory list.
    pub fn slice<T>(&self, rows: Vec<T>) -> Vec<T> {
        let skip = usize::try_from(self.offset).unwrap_or(usize::MAX);
        rows.into_iter().skip(skip).take(usize::try_from(self.limit).unwrap_or(0)).collect()
    }

    /// Paging facts for a page of `total` rows asked for at `uri`.
    pub fn paging(&self, total: u64, uri: &Uri) -> Paging {
        Paging { total, limit: self.limit, offset: self.offset, next: self.next(total, uri) }
    }

    /// The next page's address: the same query with `offset` moved on, while rows remain.
    fn next(&self, total: u64, uri: &Uri) -> Option<String> {
        let next = self.offset.checked_add(self.limit)?;
        if self.limit == 0 || u64::try_from(next).ok()? >= total || next > MAX_OFFSET {
            return None;
        }
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str::<Vec<(String, String)>>(uri.query().unwrap_or_default())
                .ok()?
                .into_iter()
                .filter(|(k, _)| k != "offset" && k != "limit")
                .collect();
        pairs.push(("limit".into(), self.limit.to_string()));
        pairs.push(("offset".into(), next.to_string()));
        let query = serde_urlencoded::to_string(pairs).ok()?;
        Some(format!("{}?{query}", uri.path()))
    }
}

/// How every list answers: `total` rows match, this page holds `items` from `offset`, at most
/// `limit` of them, and `next` is the following page's address (null on the last).
#[derive(Serialize, ToSchema)]
pub struct Paging {
    pub total: u64,
    pub limit: i64,
    pub offset: i64,
    /// The next page, the same query with `offset` moved on; null on the last page.
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_parameter_is_checked_never_defaulted() {
        assert_eq!(whole_number("limit", None, 100, 500).ok(), Some(100));
        assert_eq!(whole_number("limit", Some("500"), 100, 500).ok(), Some(500));
        for bad in ["", " 5", "+5", "-1", "501", "1.5", "x", "99999999999999999999"] {
            assert!(whole_number("limit", Some(bad), 100, 500).is_err(), "{bad:?}");
        }
        assert_eq!(id("patient", Some("7"), |n| n).ok(), Some(Some(7)));
        assert!(id("patient", Some("0"), |n| n).is_err());
        assert!(id("patient", Some(""), |n| n).is_err());
        assert!(date("from", Some(""), NaiveDate::MIN).is_err());
        assert!(date("from", Some("2026-1-05"), NaiveDate::MIN).is_err());
        assert!(date("from", Some("2026-02-30"), NaiveDate::MIN).is_err());
        assert!(date("from", Some("2026-02-28"), NaiveDate::MIN).is_ok());
    }

    #[test]
    fn a_body_integer_is_whole_whatever_its_spelling() {
        assert_eq!(integer(serde_json::json!(5)).ok(), Some(5));
        assert_eq!(integer(serde_json::json!(5.0)).ok(), Some(5));
        assert!(integer(serde_json::json!(5.5)).is_err());
        assert!(integer(serde_json::json!(1e300)).is_err());
        assert!(integer(serde_json::json!("5")).is_err());
        assert!(holds_nul(&serde_json::json!({ "notes": ["a", "b\u{0}"] })));
        assert!(!holds_nul(&serde_json::json!({ "notes": "\\u0000" })));
    }

    #[test]
    fn a_repeated_parameter_is_named() {
        assert_eq!(
            query_problem("duplicate field `rules`"),
            "rules: given more than once; send each parameter once."
        );
    }

    #[test]
    fn next_moves_the_offset_on_and_stops_at_the_total() {
        let uri: Uri =
            "/api/v1/patients?status=Active&offset=0&limit=2".parse().unwrap_or_default();
        let window = Window { limit: 2, offset: 0 };
        assert_eq!(
            window.paging(5, &uri).next.as_deref(),
            Some("/api/v1/patients?status=Active&limit=2&offset=2")
        );
        assert_eq!(Window { limit: 2, offset: 4 }.paging(5, &uri).next, None);
        assert_eq!(Window { limit: 2, offset: 3 }.paging(5, &uri).next, None);
        assert_eq!(Window { limit: 0, offset: 0 }.paging(5, &uri).next, None);
        assert_eq!(Window { limit: 2, offset: MAX_OFFSET }.paging(u64::MAX, &uri).next, None);
        assert_eq!(window.slice(vec![1, 2, 3]), vec![1, 2]);
        assert_eq!(Window { limit: 2, offset: 2 }.slice(vec![1, 2, 3]), vec![3]);
    }
}
