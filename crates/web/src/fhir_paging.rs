//! FHIR search requests and the bundles that answer them: the query read as pairs (so a parameter
//! given twice, or one the resource does not know, is seen rather than lost), lenient handling when
//! the client prefers it, and `searchset` bundles with the true total and self, next and previous
//! links.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use carelog_domain::fhir_search::{Resource, Search, parse_search};
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::fhir::FhirError;
use crate::state::AppState;

/// A search's query pairs, and whether the client sent `Prefer: handling=lenient`.
pub struct SearchRequest {
    pairs: Vec<(String, String)>,
    lenient: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for SearchRequest {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|_| {
            FhirError(ApiError::BadRequest("The query string is not valid URL encoding.".into()))
        })?;
        let lenient = parts
            .headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split([',', ';']))
            .any(|p| p.trim().eq_ignore_ascii_case("handling=lenient"));
        Ok(SearchRequest { pairs, lenient })
    }
}

impl SearchRequest {
    /// The search for `resource`, or the OperationOutcome's sentence for what cannot be applied.
    pub fn for_resource(&self, resource: Resource) -> Result<Search, FhirError> {
        parse_search(resource, &self.pairs, self.lenient)
            .map_err(|m| FhirError(ApiError::BadRequest(m)))
    }
}

/// The FHIR base: `CARELOG_BASE_URL` (or the address served at) and `/fhir/R4`.
pub fn fhir_base(state: &AppState) -> String {
    format!("{}/fhir/R4", state.settings.base_url.trim_end_matches('/'))
}

/// A `searchset` bundle of one page: `entries` as (path, resource), the true `total`, and links to
/// this page as applied and to its neighbours.
pub fn page_bundle(
    state: &AppState,
    resource: Resource,
    search: &Search,
    entries: Vec<(String, Value)>,
    total: usize,
) -> Value {
    let base = fhir_base(state);
    let link = |relation: &str, offset: usize| json!({ "relation": relation, "url": format!("{base}/{resource}?{}", search.query_at(offset)) });
    let mut links = vec![link("self", search.offset)];
    let (previous, next) = search.neighbours(total);
    if let Some(offset) = next {
        links.push(link("next", offset));
    }
    if let Some(offset) = previous {
        links.push(link("previous", offset));
    }
    let mut bundle = json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
    });
    // FHIR JSON has no empty arrays: a page with nothing on it has no `entry`.
    if let (false, Some(map)) = (entries.is_empty(), bundle.as_object_mut()) {
        let entries: Vec<Value> = entries.into_iter().map(|(path, resource)| json!({ "fullUrl": format!("{base}/{path}"), "resource": resource, "search": { "mode": "match" } })).collect();
        map.insert("entry".into(), Value::Array(entries));
    }
    bundle
}

/// The page of `items` (already in their order) that `search` asks for.
pub fn page_of<T>(items: Vec<T>, search: &Search) -> Vec<T> {
    items.into_iter().skip(search.offset).take(search.count).collect()
}
