//! Text field rules shared by every domain: trimmed, bounded, and either
//! required or optional-with-empty-meaning-absent.

/// A required, trimmed text of 1..=max characters.
pub fn required_text(value: &str, max: usize) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    bounded(trimmed, max)
}

/// An optional text: absent or blank means none.
pub fn optional_text(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => bounded(text, max).map(Some),
    }
}

fn bounded(text: &str, max: usize) -> Result<String, String> {
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err("must not contain control characters".into());
    }
    Ok(text.to_owned())
}

/// A search term: trimmed and lower-cased, 1..=100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm(String);

impl SearchTerm {
    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        let term = raw.trim().to_lowercase();
        if term.is_empty() {
            return Ok(None);
        }
        if term.chars().count() > 100 {
            return Err("must be at most 100 characters".into());
        }
        if term.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(Some(Self(term)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_bounds() {
        assert_eq!(required_text("  Ada ", 10).unwrap(), "Ada");
        assert!(required_text("   ", 10).is_err());
        assert!(required_text("abcdef", 5).is_err());
    }

    #[test]
    fn optional_text_treats_blank_as_absent() {
        assert_eq!(optional_text(Some("  "), 5).unwrap(), None);
        assert_eq!(optional_text(None, 5).unwrap(), None);
        assert_eq!(optional_text(Some(" x "), 5).unwrap(), Some("x".into()));
        assert!(optional_text(Some("a\u{0}b"), 5).is_err());
    }
}
