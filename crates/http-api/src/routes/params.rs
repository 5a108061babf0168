//! Query-string parameters shared by list routes, parsed with errors that
//! name the parameter.

use crate::problem::ApiError;
use clearview_contacts::SearchTerm;
use clearview_kernel::custom_fields::{CustomQuery, SORT_FIELD};
use clearview_kernel::{Cursor, Limit, PageRequest, Sort, ValidationErrors};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// `?q&owner_id&company_id&sort&limit&cursor`, and custom field filters
/// `cf.<key>=<value>` (any of a comma-separated list for selects),
/// `cf.<key>.gte=` and `cf.<key>.lte=` (numbers, amounts, dates); `sort`
/// also takes `cf.<key>`. Unknown parameters are refused (a typo must not
/// silently return everything).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Search: names, email (contacts) or name, domain (companies).
    pub q: Option<String>,
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub owner_id: Option<String>,
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub company_id: Option<String>,
    /// A sortable field, `-` prefix for descending. Default `-created_at`.
    pub sort: Option<String>,
    /// 1..=200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

pub struct Parsed {
    pub search: Option<SearchTerm>,
    pub owner_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub page: PageRequest,
}

/// A UUID query parameter; a malformed one is recorded against its name.
pub(crate) fn uuid_param(errors: &mut ValidationErrors, name: &str, raw: Option<&str>) -> Option<Uuid> {
    raw.and_then(|v| errors.check(name, Uuid::try_parse(v).map_err(|_| "must be a UUID")))
}

/// `limit`: 1..=200, 50 when absent.
pub(crate) fn limit_param(errors: &mut ValidationErrors, raw: Option<&str>) -> Option<Limit> {
    match raw {
        None => Some(Limit::DEFAULT),
        Some(raw) => errors.check(
            "limit",
            raw.parse::<u32>()
                .map_err(|_| format!("must be a whole number between 1 and {}", Limit::MAX))
                .and_then(Limit::new),
        ),
    }
}

/// `sort`: one of the allowed fields, `-` for descending.
pub(crate) fn sort_param(
    errors: &mut ValidationErrors,
    raw: Option<&str>,
    default: &str,
    allowed: &[&'static str],
) -> Option<Sort> {
    errors.check("sort", Sort::parse(raw.unwrap_or(default), allowed))
}

/// A page from `limit` and `cursor` under an already parsed sort; `None`
/// when any part was invalid (the reasons are in `errors`).
pub(crate) fn page_param(
    errors: &mut ValidationErrors,
    sort: Option<Sort>,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Option<PageRequest> {
    let limit = limit_param(errors, limit);
    let after = match (cursor, sort) {
        (Some(raw), Some(sort)) => errors.check("cursor", Cursor::decode(raw, sort)).map(Some),
        _ => Some(None),
    };
    Some(PageRequest {
        limit: limit?,
        sort: sort?,
        after: after?,
    })
}

impl ListParams {
    pub fn parse(&self, sorts: &[&'static str]) -> Result<Parsed, ApiError> {
        let mut errors = ValidationErrors::new();
        let search = errors
            .check("q", SearchTerm::parse(self.q.as_deref().unwrap_or_default()))
            .flatten();
        let owner_id = uuid_param(&mut errors, "owner_id", self.owner_id.as_deref());
        let company_id = uuid_param(&mut errors, "company_id", self.company_id.as_deref());
        let sort = list_sort(&mut errors, self.sort.as_deref(), "-created_at", sorts);
        let page = page_param(&mut errors, sort, self.limit.as_deref(), self.cursor.as_deref());
        match page {
            Some(page) if errors.is_empty() => Ok(Parsed {
                search,
                owner_id,
                company_id,
                page,
            }),
            _ => Err(ApiError::invalid(errors)),
        }
    }
}

/// For the query extractor: an unknown or malformed parameter is a 422.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    let message = err.to_string();
    let field = message
        .split('`')
        .nth(1)
        .map(str::to_owned)
        .unwrap_or_else(|| "query".to_owned());
    ApiError::invalid_field(field, "is not a parameter of this route").into()
}

/// A list's query string with its `cf.<key>[.gte|.lte]` parameters (custom
/// field filters, ADR 0034) split off: the rest is read as `T`, whose
/// unknown parameters are still refused.
pub struct ListQuery<T> {
    pub params: T,
    pub custom: Vec<(String, String)>,
}

impl<T: serde::de::DeserializeOwned> ListQuery<T> {
    fn parse(req: &actix_web::HttpRequest) -> Result<Self, actix_web::Error> {
        let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map_err(|err| query_error(err, req))?
            .into_inner();
        let (custom, rest): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(name, _)| name.starts_with("cf."));
        let custom = custom
            .into_iter()
            .map(|(name, value)| (name["cf.".len()..].to_owned(), value))
            .collect();
        // The rest, encoded again, goes through the same reader as `Query`.
        let rest = serde_urlencoded::to_string(rest).map_err(|_| ApiError::invalid_field("query", "is malformed"))?;
        let params = actix_web::web::Query::<T>::from_query(&rest)
            .map_err(|err| query_error(err, req))?
            .into_inner();
        Ok(ListQuery { params, custom })
    }
}

impl<T: serde::de::DeserializeOwned> actix_web::FromRequest for ListQuery<T> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Self::parse(req))
    }
}

/// `-cf.tier` → `(true, "tier")`.
fn custom_sort_key(raw: &str) -> Option<(bool, &str)> {
    let (descending, name) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    name.strip_prefix("cf.").map(|key| (descending, key))
}

/// `sort`: a field of the list, or `cf.<key>` for a custom field (whose
/// key is checked once the definitions are read).
pub(crate) fn list_sort(
    errors: &mut ValidationErrors,
    raw: Option<&str>,
    default: &str,
    allowed: &[&'static str],
) -> Option<Sort> {
    match raw.and_then(custom_sort_key) {
        Some((descending, _)) => Some(Sort {
            field: SORT_FIELD,
            descending,
        }),
        None => sort_param(errors, raw, default, allowed),
    }
}

/// The custom-field part of a list query, to be resolved by the service.
pub(crate) fn custom_query(sort: Option<&str>, filters: Vec<(String, String)>) -> CustomQuery {
    CustomQuery {
        filters,
        sort_key: sort.and_then(custom_sort_key).map(|(_, key)| key.to_owned()),
        ..Default::default()
    }
}
