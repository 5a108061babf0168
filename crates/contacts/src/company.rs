//! A company: an account that contacts work at and deals are made with.

use crate::contact::parse_phone;
use chrono::{DateTime, Utc};
use clearview_kernel::custom_fields::CustomValues;
use clearview_kernel::{CompanyId, UserId, ValidationErrors, optional_text, required_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub domain: Option<String>,
    pub phone: Option<String>,
    pub owner_id: Option<UserId>,
    pub custom_fields: CustomValues,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyInput {
    pub name: String,
    pub domain: Option<String>,
    pub phone: Option<String>,
    pub owner_id: Option<UserId>,
    /// Record: its values. Input: the values to set (`null` clears); a
    /// draft: all the values, checked.
    pub custom_fields: CustomValues,
}

impl From<&Company> for CompanyInput {
    fn from(c: &Company) -> Self {
        Self {
            name: c.name.clone(),
            domain: c.domain.clone(),
            phone: c.phone.clone(),
            owner_id: c.owner_id,
            // A change sets only what it names.
            custom_fields: CustomValues::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyDraft {
    pub name: String,
    pub domain: Option<Domain>,
    pub phone: Option<String>,
    pub owner_id: Option<UserId>,
    /// Record: its values. Input: the values to set (`null` clears); a
    /// draft: all the values, checked.
    pub custom_fields: CustomValues,
}

impl CompanyInput {
    pub fn validate(&self) -> Result<CompanyDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", required_text(&self.name, 200));
        let domain = match optional_text(self.domain.as_deref(), 253) {
            Ok(Some(raw)) => errors.check("domain", Domain::parse(&raw)).map(Some),
            Ok(None) => Some(None),
            Err(err) => errors.check::<Option<Domain>, _>("domain", Err(err)),
        };
        let phone = errors.check("phone", parse_phone(self.phone.as_deref()));
        match (name, domain, phone) {
            (Some(name), Some(domain), Some(phone)) if errors.is_empty() => Ok(CompanyDraft {
                name,
                domain,
                phone,
                owner_id: self.owner_id,
                // Filled by the service once checked against the definitions.
                custom_fields: CustomValues::new(),
            }),
            _ => Err(errors),
        }
    }
}

/// A web domain such as `example.com`, lower-cased; a pasted URL's scheme,
/// `www.` and path are stripped so the same company is not entered twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain(String);

impl Domain {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let lower = raw.trim().to_lowercase();
        let without_scheme = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .unwrap_or(&lower);
        let host = without_scheme.split('/').next().unwrap_or_default();
        let host = host.strip_prefix("www.").unwrap_or(host);
        let labels_ok = host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if !host.contains('.') || !labels_ok {
            return Err("must be a domain such as example.com".into());
        }
        Ok(Self(host.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised() {
        assert_eq!(
            Domain::parse("https://www.Example.com/about").unwrap().as_str(),
            "example.com"
        );
        assert_eq!(
            Domain::parse("sub.example.co.uk").unwrap().as_str(),
            "sub.example.co.uk"
        );
    }

    #[test]
    fn bad_domains_are_refused() {
        for bad in ["localhost", "exa mple.com", "-x.com", "a..b", ""] {
            assert!(Domain::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_company_needs_a_name() {
        let errors = CompanyInput::default().validate().unwrap_err();
        assert_eq!(errors.fields()[0].field, "name");
    }
}
