//! Keyset pagination. A page is asked for with a sort, a limit and an
//! optional cursor naming the last row seen; the next page starts strictly
//! after it, so the cost of page N does not grow with N and rows inserted
//! meanwhile never shift or repeat what a client sees.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// Page size: 1..=200, 50 when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u32);

impl Limit {
    pub const DEFAULT: Limit = Limit(50);
    pub const MAX: u32 = 200;

    pub fn new(value: u32) -> Result<Self, String> {
        if (1..=Self::MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(format!("must be between 1 and {}", Self::MAX))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// A sort over one of the fields a resource allows; ties break on id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub field: &'static str,
    pub descending: bool,
}

impl Sort {
    /// Parses `field` or `-field` against the fields a resource allows.
    pub fn parse(raw: &str, allowed: &[&'static str]) -> Result<Self, String> {
        let (descending, name) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        allowed
            .iter()
            .find(|f| **f == name)
            .map(|field| Sort { field, descending })
            .ok_or_else(|| format!("must be one of {} (prefix - for descending)", allowed.join(", ")))
    }

    fn key(&self) -> String {
        format!("{}{}", if self.descending { "-" } else { "" }, self.field)
    }
}

/// The position after which the next page starts: the sort value of the
/// last row and its id. Opaque to clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub value: String,
    pub id: Uuid,
}

impl Cursor {
    /// A cursor on a timestamp column. Microseconds, PostgreSQL's precision,
    /// so the next page starts exactly after the last row.
    pub fn at(at: chrono::DateTime<chrono::Utc>, id: Uuid) -> Self {
        Cursor {
            value: at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            id,
        }
    }

    pub fn encode(&self, sort: Sort) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}\n{}\n{}", sort.key(), self.id, self.value))
    }

    /// Decodes a cursor, refusing one made for another sort.
    pub fn decode(raw: &str, sort: Sort) -> Result<Self, String> {
        let invalid = || "is not a valid cursor for this sort".to_string();
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut parts = text.splitn(3, '\n');
        let (Some(key), Some(id), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        if key != sort.key() {
            return Err(invalid());
        }
        let id = Uuid::parse_str(id).map_err(|_| invalid())?;
        Ok(Cursor {
            value: value.to_owned(),
            id,
        })
    }
}

/// A validated request for one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: Limit,
    pub sort: Sort,
    pub after: Option<Cursor>,
}

/// One page of results and the cursor of the next, if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row, if present,
    /// only proves that a next page exists and is dropped.
    pub fn from_rows(mut rows: Vec<T>, request: &PageRequest, cursor_of: impl Fn(&T) -> Cursor) -> Self {
        let limit = request.limit.get() as usize;
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if has_more {
            rows.last().map(|row| cursor_of(row).encode(request.sort))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FIELDS: &[&str] = &["created_at", "last_name"];

    #[test]
    fn sort_parses_direction_and_rejects_unknown_fields() {
        assert_eq!(
            Sort::parse("-created_at", FIELDS).unwrap(),
            Sort {
                field: "created_at",
                descending: true
            }
        );
        assert!(Sort::parse("password", FIELDS).is_err());
    }

    #[test]
    fn limit_is_bounded() {
        assert!(Limit::new(0).is_err());
        assert!(Limit::new(201).is_err());
        assert_eq!(Limit::new(200).unwrap().get(), 200);
    }

    #[test]
    fn a_cursor_is_refused_for_another_sort() {
        let sort = Sort::parse("last_name", FIELDS).unwrap();
        let other = Sort::parse("-last_name", FIELDS).unwrap();
        let encoded = Cursor {
            value: "Lovelace".into(),
            id: Uuid::nil(),
        }
        .encode(sort);
        assert!(Cursor::decode(&encoded, other).is_err());
        assert!(Cursor::decode("%%%", sort).is_err());
    }

    #[test]
    fn from_rows_drops_the_probe_row_and_points_at_the_last_kept_row() {
        let sort = Sort::parse("created_at", FIELDS).unwrap();
        let request = PageRequest {
            limit: Limit::new(2).unwrap(),
            sort,
            after: None,
        };
        let page = Page::from_rows(vec![1, 2, 3], &request, |n| Cursor {
            value: n.to_string(),
            id: Uuid::nil(),
        });
        assert_eq!(page.items, vec![1, 2]);
        let next = Cursor::decode(page.next_cursor.as_deref().unwrap(), sort).unwrap();
        assert_eq!(next.value, "2");
        let last = Page::from_rows(vec![1], &request, |n| Cursor {
            value: n.to_string(),
            id: Uuid::nil(),
        });
        assert_eq!(last.next_cursor, None);
    }

    proptest! {
        #[test]
        fn cursors_round_trip(value in "[^\n]{0,40}", bytes in any::<[u8; 16]>(), descending in any::<bool>()) {
            let sort = Sort { field: "last_name", descending };
            let cursor = Cursor { value, id: Uuid::from_bytes(bytes) };
            prop_assert_eq!(Cursor::decode(&cursor.encode(sort), sort).unwrap(), cursor);
        }
    }
}
