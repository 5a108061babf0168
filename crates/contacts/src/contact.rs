//! A contact: a person at a customer or prospect.

use chrono::{DateTime, Utc};
use clearview_kernel::custom_fields::CustomValues;
use clearview_kernel::{CompanyId, ContactId, EmailAddress, UserId, ValidationErrors, optional_text, required_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: ContactId,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub company_id: Option<CompanyId>,
    pub owner_id: Option<UserId>,
    pub custom_fields: CustomValues,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Every field a client may set, as given (unvalidated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactInput {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub company_id: Option<CompanyId>,
    pub owner_id: Option<UserId>,
    /// Record: its values. Input: the values to set (`null` clears); a
    /// draft: all the values, checked.
    pub custom_fields: CustomValues,
}

impl From<&Contact> for ContactInput {
    fn from(c: &Contact) -> Self {
        Self {
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            title: c.title.clone(),
            company_id: c.company_id,
            owner_id: c.owner_id,
            // A change sets only what it names.
            custom_fields: CustomValues::new(),
        }
    }
}

/// A validated contact, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDraft {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<EmailAddress>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub company_id: Option<CompanyId>,
    pub owner_id: Option<UserId>,
    /// Record: its values. Input: the values to set (`null` clears); a
    /// draft: all the values, checked.
    pub custom_fields: CustomValues,
}

impl ContactInput {
    pub fn validate(&self) -> Result<ContactDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let first_name = errors.check("first_name", required_text(&self.first_name, 100));
        let last_name = errors.check("last_name", required_text(&self.last_name, 100));
        let email = match optional_text(self.email.as_deref(), 254) {
            Ok(Some(raw)) => errors.check("email", EmailAddress::parse(&raw)).map(Some),
            Ok(None) => Some(None),
            Err(err) => errors.check::<Option<EmailAddress>, _>("email", Err(err)),
        };
        let phone = errors.check("phone", parse_phone(self.phone.as_deref()));
        let title = errors.check("title", optional_text(self.title.as_deref(), 200));
        match (first_name, last_name, email, phone, title) {
            (Some(first_name), Some(last_name), Some(email), Some(phone), Some(title)) if errors.is_empty() => {
                Ok(ContactDraft {
                    first_name,
                    last_name,
                    email,
                    phone,
                    title,
                    company_id: self.company_id,
                    owner_id: self.owner_id,
                    // Filled by the service once checked against the definitions.
                    custom_fields: CustomValues::new(),
                })
            }
            _ => Err(errors),
        }
    }
}

/// Phone numbers are kept as written (people type them in many ways) but
/// must look like one: digits with the usual separators, 3 to 20 digits.
pub(crate) fn parse_phone(raw: Option<&str>) -> Result<Option<String>, String> {
    let Some(text) = optional_text(raw, 50)? else {
        return Ok(None);
    };
    let allowed = text
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c) || c == 'x');
    let digits = text.chars().filter(char::is_ascii_digit).count();
    if !allowed || !(3..=20).contains(&digits) {
        return Err("must be a phone number (digits, spaces, + - ( ) . and x)".into());
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ContactInput {
        ContactInput {
            first_name: " Ada ".into(),
            last_name: "Lovelace".into(),
            email: Some("ada@example.com".into()),
            phone: Some("+44 20 7946 0958".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_contact_is_trimmed() {
        let draft = input().validate().unwrap();
        assert_eq!(draft.first_name, "Ada");
        assert_eq!(draft.email.unwrap().as_str(), "ada@example.com");
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = ContactInput {
            first_name: "".into(),
            last_name: "x".repeat(101),
            email: Some("nope".into()),
            phone: Some("call me".into()),
            ..Default::default()
        };
        let errors = bad.validate().unwrap_err();
        let fields: Vec<_> = errors.fields().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["first_name", "last_name", "email", "phone"]);
    }

    #[test]
    fn a_blank_email_means_none() {
        let draft = ContactInput {
            email: Some("  ".into()),
            ..input()
        }
        .validate()
        .unwrap();
        assert_eq!(draft.email, None);
    }
}
