//! Listing: the `filter` providers send to find a resource (one attribute
//! `eq` a string), 1-based paging, `attributes` / `excludedAttributes`,
//! and the ListResponse envelope.

use super::error::ScimFailure;
use clearview_tenancy::scim::{ScimFilter, ScimPage};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Most resources in one page, and the page when none is asked for.
pub const MAX_RESULTS: u64 = 200;

/// Which resource a filter is for: each has its own filterable attributes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    User,
    Group,
}

/// Parses `<attribute> eq "<value>"`; anything else is `invalidFilter`.
pub fn parse_filter(raw: Option<&str>, resource: Resource) -> Result<ScimFilter, ScimFailure> {
    let Some(raw) = raw.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(ScimFilter::All);
    };
    let unsupported = || {
        ScimFailure::filter(format!(
            "unsupported filter `{raw}`: use `userName`, `externalId`, `displayName` or `id` with `eq` and a quoted value"
        ))
    };
    let mut parts = raw.splitn(3, char::is_whitespace);
    let (Some(attr), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(unsupported());
    };
    if !op.eq_ignore_ascii_case("eq") {
        return Err(unsupported());
    }
    let Ok(Value::String(value)) = serde_json::from_str::<Value>(value.trim()) else {
        return Err(unsupported());
    };
    let attr = attr.rsplit(':').next().unwrap_or(attr).to_ascii_lowercase();
    Ok(match (attr.as_str(), resource) {
        ("username", Resource::User) => ScimFilter::UserName(value),
        ("externalid", _) => ScimFilter::ExternalId(value),
        ("displayname", _) => ScimFilter::DisplayName(value),
        ("id", _) => Uuid::try_parse(&value).map_or(ScimFilter::Nothing, ScimFilter::Id),
        _ => return Err(unsupported()),
    })
}

/// The query string of a list (also the fields of a `.search` body).
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ListQuery {
    /// `<attribute> eq "<value>"` with `userName`, `externalId`,
    /// `displayName` or `id`.
    pub filter: Option<String>,
    /// 1-based (below 1 counts as 1).
    pub start_index: Option<i64>,
    /// At most 200, also when not given; 0 gives only the total.
    pub count: Option<i64>,
    /// Comma-separated attributes to return (with `id` and `schemas`).
    pub attributes: Option<String>,
    /// Comma-separated attributes to leave out.
    pub excluded_attributes: Option<String>,
}

impl ListQuery {
    /// The page asked for: `startIndex` below 1 is 1, `count` is capped.
    pub fn page(&self) -> ScimPage {
        ScimPage {
            start_index: u64::try_from(self.start_index.unwrap_or(1).max(1)).unwrap_or(1),
            count: u64::try_from(self.count.unwrap_or(MAX_RESULTS as i64).clamp(0, MAX_RESULTS as i64)).unwrap_or(0),
        }
    }

    /// `attributes` and `excludedAttributes`, as read from a `.search`
    /// body (lists) or a query string (comma-separated).
    pub fn projection(&self) -> Projection {
        Projection::new(self.attributes.as_deref(), self.excluded_attributes.as_deref())
    }
}

/// Which top-level attributes a response keeps.
#[derive(Default, Clone)]
pub struct Projection {
    only: Vec<String>,
    excluded: Vec<String>,
}

fn names(list: Option<&str>) -> Vec<String> {
    list.into_iter()
        .flat_map(|l| l.split(','))
        .map(|name| {
            // `urn:…:User:name.givenName` → `name`.
            let name = name.trim().rsplit(':').next().unwrap_or_default();
            name.split('.').next().unwrap_or_default().to_ascii_lowercase()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

impl Projection {
    pub fn new(only: Option<&str>, excluded: Option<&str>) -> Self {
        Self {
            only: names(only),
            excluded: names(excluded),
        }
    }

    /// Keeps `id` and `schemas` always, then only the named attributes, or
    /// all but the excluded ones.
    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(fields) = resource else {
            return resource;
        };
        let kept: Map<String, Value> = fields
            .into_iter()
            .filter(|(key, _)| {
                let key = key.to_ascii_lowercase();
                if key == "id" || key == "schemas" {
                    return true;
                }
                if !self.only.is_empty() {
                    return self.only.contains(&key);
                }
                !self.excluded.contains(&key)
            })
            .collect();
        Value::Object(kept)
    }
}

/// The ListResponse of one page.
pub fn list_response(total: u64, page: ScimPage, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": page.start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_name_an_attribute_eq_a_string() {
        assert_eq!(
            parse_filter(Some(r#"userName eq "Ann@X.io""#), Resource::User).unwrap(),
            ScimFilter::UserName("Ann@X.io".into())
        );
        assert_eq!(
            parse_filter(Some(r#"displayName EQ "Sales \"EU\"""#), Resource::Group).unwrap(),
            ScimFilter::DisplayName("Sales \"EU\"".into())
        );
        assert_eq!(
            parse_filter(Some(r#"id eq "nope""#), Resource::User).unwrap(),
            ScimFilter::Nothing
        );
        for bad in [
            r#"userName co "a""#,
            r#"title eq "x""#,
            "userName eq",
            r#"userName eq "a" and active eq true"#,
        ] {
            assert!(parse_filter(Some(bad), Resource::User).is_err(), "{bad}");
        }
        assert!(parse_filter(Some(r#"userName eq "a""#), Resource::Group).is_err());
    }

    #[test]
    fn projections_keep_id_and_schemas() {
        let resource = json!({"schemas": [], "id": "1", "userName": "a", "externalId": "e", "meta": {}});
        assert_eq!(
            Projection::new(Some("externalId"), None).apply(resource.clone()),
            json!({"schemas": [], "id": "1", "externalId": "e"})
        );
        assert_eq!(
            Projection::new(None, Some("urn:ietf:params:scim:schemas:core:2.0:User:userName,meta")).apply(resource),
            json!({"schemas": [], "id": "1", "externalId": "e"})
        );
    }
}
