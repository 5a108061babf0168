//! CSV import of contacts (ADR 0014): the column mapping (given or inferred
//! from headers), turning one mapped row into a `ContactInput` validated by
//! the very rules of `POST /api/contacts`, the import's vocabulary, its
//! ports and the role policy (admins and managers import and undo).

use crate::company::Domain;
use crate::contact::{ContactDraft, ContactInput};
use chrono::{DateTime, Utc};
use clearview_kernel::audit::{AuditEntry, RequestOrigin, actions};
use clearview_kernel::custom_fields::{CustomValues, FieldDefinition, FieldType, custom_field_key, validate_values};
use clearview_kernel::records::RecordError;
use clearview_kernel::{RepoError, Role, TenantContext, ValidationErrors, optional_text};
use std::str::FromStr;
use std::sync::Arc;
use uuid::Uuid;

/// A contact field a CSV column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportField {
    FirstName,
    LastName,
    Email,
    Phone,
    Title,
    Company,
    CompanyDomain,
}

impl ImportField {
    pub const ALL: [ImportField; 7] = [
        ImportField::FirstName,
        ImportField::LastName,
        ImportField::Email,
        ImportField::Phone,
        ImportField::Title,
        ImportField::Company,
        ImportField::CompanyDomain,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ImportField::FirstName => "first_name",
            ImportField::LastName => "last_name",
            ImportField::Email => "email",
            ImportField::Phone => "phone",
            ImportField::Title => "title",
            ImportField::Company => "company",
            ImportField::CompanyDomain => "company_domain",
        }
    }

    /// The field a header names, ignoring case, spaces, `_` and `-`.
    pub fn from_header(header: &str) -> Option<Self> {
        let key: String = header
            .trim()
            .trim_start_matches('\u{feff}')
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        Some(match key.as_str() {
            "firstname" | "givenname" | "forename" => ImportField::FirstName,
            "lastname" | "surname" | "familyname" => ImportField::LastName,
            "email" | "emailaddress" | "mail" => ImportField::Email,
            "phone" | "phonenumber" | "telephone" | "tel" | "mobile" => ImportField::Phone,
            "title" | "jobtitle" | "position" => ImportField::Title,
            "company" | "companyname" | "organization" | "organisation" | "account" => ImportField::Company,
            "companydomain" | "domain" | "website" => ImportField::CompanyDomain,
            _ => return None,
        })
    }
}

impl FromStr for ImportField {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImportField::ALL.into_iter().find(|f| f.as_str() == s).ok_or_else(|| {
            format!(
                "`{s}` is not a contact field (first_name, last_name, email, phone, title, company, company_domain)"
            )
        })
    }
}

/// Which column fills which field: header → field, in header order. Every
/// field is filled by at most one column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnMapping {
    /// `(header, field)` pairs.
    pub columns: Vec<(String, ImportField)>,
    /// `(header, key)` pairs: columns that fill custom fields (ADR 0034),
    /// mapped as `cf.<key>` (the header an export gives them).
    pub custom: Vec<(String, String)>,
}

/// A mapping fitted to a file's header row: the column index of each field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MappedColumns {
    index: [Option<usize>; 7],
    /// `(column index, custom field key)`.
    custom: Vec<(usize, String)>,
}

impl MappedColumns {
    pub fn get(&self, field: ImportField) -> Option<usize> {
        self.index[field as usize]
    }
    pub fn has(&self, field: ImportField) -> bool {
        self.get(field).is_some()
    }
    pub fn has_custom(&self) -> bool {
        !self.custom.is_empty()
    }
}

impl ColumnMapping {
    /// Infers the mapping from the header row; returns it and the headers
    /// no field matched. The first column naming a field wins.
    pub fn infer(headers: &[String]) -> (Self, Vec<String>) {
        let mut mapping = Self::default();
        let mut ignored = Vec::new();
        for header in headers {
            if let Some(key) = custom_field_key(header.trim())
                && !mapping.custom.iter().any(|(_, k)| k == key)
            {
                mapping.custom.push((header.clone(), key.to_owned()));
                continue;
            }
            match ImportField::from_header(header) {
                Some(field) if !mapping.columns.iter().any(|(_, f)| *f == field) => {
                    mapping.columns.push((header.clone(), field));
                }
                _ => ignored.push(header.clone()),
            }
        }
        (mapping, ignored)
    }

    /// A given mapping, checked against the header row: every header it
    /// names exists, no field twice. Returns the ignored headers.
    pub fn given(pairs: Vec<(String, String)>, headers: &[String]) -> Result<(Self, Vec<String>), String> {
        let mut mapping = Self::default();
        for (header, field) in pairs {
            if !headers.iter().any(|h| h == &header) {
                return Err(format!("names the column `{header}`, which the file does not have"));
            }
            if let Some(key) = custom_field_key(&field) {
                if mapping.custom.iter().any(|(_, k)| k == key) {
                    return Err(format!("maps two columns to `{field}`"));
                }
                mapping.custom.push((header, key.to_owned()));
                continue;
            }
            let field: ImportField = field.parse()?;
            if mapping.columns.iter().any(|(_, f)| *f == field) {
                return Err(format!("maps two columns to `{}`", field.as_str()));
            }
            mapping.columns.push((header, field));
        }
        let ignored = headers
            .iter()
            .filter(|h| !mapping.columns.iter().any(|(c, _)| c == *h) && !mapping.custom.iter().any(|(c, _)| c == *h))
            .cloned()
            .collect();
        Ok((mapping, ignored))
    }

    /// A contact needs both names: a mapping without them is refused.
    pub fn check_required(&self) -> Result<(), String> {
        for field in [ImportField::FirstName, ImportField::LastName] {
            if !self.columns.iter().any(|(_, f)| *f == field) {
                return Err(format!("no column maps to `{}`", field.as_str()));
            }
        }
        Ok(())
    }

    /// The column index of each mapped field in this header row.
    pub fn fit(&self, headers: &[String]) -> Result<MappedColumns, String> {
        let mut mapped = MappedColumns::default();
        for (header, field) in &self.columns {
            let index = headers
                .iter()
                .position(|h| h == header)
                .ok_or_else(|| format!("the file has no column `{header}`"))?;
            mapped.index[*field as usize] = Some(index);
        }
        for (header, key) in &self.custom {
            let index = headers
                .iter()
                .position(|h| h == header)
                .ok_or_else(|| format!("the file has no column `{header}`"))?;
            mapped.custom.push((index, key.clone()));
        }
        Ok(mapped)
    }
}

/// One row, mapped and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub contact: ContactDraft,
    /// The company to link: a name, a domain, or both.
    pub company_name: Option<String>,
    pub company_domain: Option<Domain>,
}

/// A custom field's cell as the JSON value the API would take: yes/no
/// words for booleans, `;` or `,` between a multi-select's options.
fn custom_cell(def: Option<&FieldDefinition>, text: &str) -> serde_json::Value {
    use serde_json::Value;
    match def.map(|d| d.field_type) {
        Some(FieldType::Boolean) => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Value::Bool(true),
            "false" | "no" | "n" | "0" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        Some(FieldType::MultiSelect) => Value::Array(
            text.split([';', ','])
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(|o| Value::String(o.to_owned()))
                .collect(),
        ),
        _ => Value::String(text.to_owned()),
    }
}

/// The row's custom values, checked like a new record's (required fields
/// need a value); errors name `custom_fields.<key>`.
fn custom_values<'a>(
    mapped: &MappedColumns,
    fields: &[FieldDefinition],
    cell: impl Fn(usize) -> Option<&'a str>,
) -> Result<CustomValues, ValidationErrors> {
    let mut changes = CustomValues::new();
    for (index, key) in &mapped.custom {
        let text = cell(*index).map(str::trim).unwrap_or_default();
        if !text.is_empty() {
            let def = fields.iter().find(|d| &d.key == key);
            changes.insert(key.clone(), custom_cell(def, text));
        }
    }
    validate_values(fields, &CustomValues::new(), &changes, true)
}

/// Maps one CSV record and validates it with `ContactInput::validate` (the
/// rules of `POST /api/contacts`), plus the company columns and the custom
/// fields (`fields`: the organization's contact fields).
pub fn map_row<'a>(
    mapped: &MappedColumns,
    fields: &[FieldDefinition],
    cell: impl Fn(usize) -> Option<&'a str> + Copy,
) -> Result<ImportRow, ValidationErrors> {
    let text = |field| mapped.get(field).and_then(&cell);
    let input = ContactInput {
        first_name: text(ImportField::FirstName).unwrap_or_default().to_owned(),
        last_name: text(ImportField::LastName).unwrap_or_default().to_owned(),
        email: text(ImportField::Email).map(str::to_owned),
        phone: text(ImportField::Phone).map(str::to_owned),
        title: text(ImportField::Title).map(str::to_owned),
        company_id: None,
        owner_id: None,
        custom_fields: Default::default(),
    };
    let mut contact = input.validate();
    let mut errors = match &contact {
        Ok(_) => ValidationErrors::new(),
        Err(errors) => errors.clone(),
    };
    match (custom_values(mapped, fields, cell), &mut contact) {
        (Ok(values), Ok(draft)) => draft.custom_fields = values,
        (Ok(_), Err(_)) => {}
        (Err(more), _) => errors.merge(more),
    }
    let company_name = errors.check("company", optional_text(text(ImportField::Company), 200));
    let company_domain = match optional_text(text(ImportField::CompanyDomain), 253) {
        Ok(Some(raw)) => errors.check("company_domain", Domain::parse(&raw)).map(Some),
        Ok(None) => Some(None),
        Err(err) => errors.check::<Option<Domain>, _>("company_domain", Err(err)),
    };
    match (contact, company_name, company_domain) {
        (Ok(contact), Some(company_name), Some(company_domain)) if errors.is_empty() => Ok(ImportRow {
            contact,
            company_name,
            company_domain,
        }),
        _ => Err(errors),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// An email that already exists leaves its contact alone.
    Skip,
    /// An email that already exists updates its contact's mapped fields.
    Update,
}

impl ImportMode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ImportMode::Skip => "skip",
            ImportMode::Update => "update",
        }
    }
}

impl FromStr for ImportMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "skip" => Ok(ImportMode::Skip),
            "update" => Ok(ImportMode::Update),
            _ => Err("must be skip or update".into()),
        }
    }
}

/// A new import, as uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewImport {
    pub id: Uuid,
    pub mode: ImportMode,
    pub create_companies: bool,
    pub mapping: ColumnMapping,
}

/// An import as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub id: Uuid,
    pub created_by: Option<Uuid>,
    pub status: String,
    pub mode: String,
    pub create_companies: bool,
    /// `(header, field)` pairs.
    pub mapping: Vec<(String, String)>,
    pub total_bytes: i64,
    pub total_rows: Option<i64>,
    pub processed_rows: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One error of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRowError {
    /// Data rows count from 1; the header row is 0.
    pub row_number: i64,
    pub field: String,
    pub message: String,
}

/// An upload in progress: chunks go into one transaction that commits the
/// import and its job together, or disappears entirely when dropped.
#[async_trait::async_trait]
pub trait ImportUpload: Send {
    /// Stores the next chunk (at most 1 MiB).
    async fn append(&mut self, data: &[u8]) -> Result<(), RepoError>;
    /// Queues the import's job and commits.
    async fn commit(self: Box<Self>) -> Result<(), RepoError>;
}

/// Storage of imports.
#[async_trait::async_trait]
pub trait ImportRepository: Send + Sync {
    /// Opens the upload of a new import (status `uploaded`).
    async fn begin_upload(&self, ctx: &TenantContext, import: &NewImport) -> Result<Box<dyn ImportUpload>, RepoError>;
    async fn get(&self, ctx: &TenantContext, id: Uuid) -> Result<Import, RepoError>;
    /// Bytes of uploaded files the organization's imports still hold
    /// (they are removed once an import has run).
    async fn stored_bytes(&self, ctx: &TenantContext) -> Result<u64, RepoError>;
    /// Newest first, at most `limit`.
    async fn list(&self, ctx: &TenantContext, limit: i64) -> Result<Vec<Import>, RepoError>;
    /// Errors after `(row_number, field)` in order, at most `limit`.
    async fn errors(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<ImportRowError>, RepoError>;
    /// Deletes what the import created and restores what it updated, in one
    /// transaction — except contacts changed since the import (edited, or
    /// given a deal or an activity), which stay as they are and are
    /// counted (the second value); `Conflict` unless the import is done.
    /// Appends `audit` in the same transaction, with `kept_changed` (that
    /// count) added to its details.
    async fn undo(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<(Import, i64), RepoError>;
}

/// The import use cases with their role policy.
#[derive(Clone)]
pub struct ImportService {
    imports: Arc<dyn ImportRepository>,
}

impl ImportService {
    pub fn new(imports: Arc<dyn ImportRepository>) -> Self {
        Self { imports }
    }

    /// Admins and managers import and undo (the role matrix's "import CSV").
    pub fn may_import(ctx: &TenantContext) -> Result<(), RecordError> {
        if matches!(ctx.role, Role::Admin | Role::Manager) {
            Ok(())
        } else {
            Err(RecordError::Forbidden("only admins and managers import contacts"))
        }
    }

    pub async fn begin_upload(
        &self,
        ctx: &TenantContext,
        import: &NewImport,
    ) -> Result<Box<dyn ImportUpload>, RecordError> {
        Self::may_import(ctx)?;
        Ok(self.imports.begin_upload(ctx, import).await?)
    }

    pub async fn get(&self, ctx: &TenantContext, id: Uuid) -> Result<Import, RecordError> {
        Self::may_import(ctx)?;
        Ok(self.imports.get(ctx, id).await?)
    }

    /// Bytes the organization's waiting imports hold (for its quota).
    pub async fn stored_bytes(&self, ctx: &TenantContext) -> Result<u64, RecordError> {
        Self::may_import(ctx)?;
        Ok(self.imports.stored_bytes(ctx).await?)
    }

    pub async fn list(&self, ctx: &TenantContext, limit: i64) -> Result<Vec<Import>, RecordError> {
        Self::may_import(ctx)?;
        Ok(self.imports.list(ctx, limit).await?)
    }

    pub async fn errors(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<ImportRowError>, RecordError> {
        Self::may_import(ctx)?;
        Ok(self.imports.errors(ctx, id, after, limit).await?)
    }

    pub async fn undo(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        origin: &RequestOrigin,
    ) -> Result<(Import, i64), RecordError> {
        Self::may_import(ctx)?;
        let audit = AuditEntry::new(actions::CONTACTS_IMPORTED, origin)
            .target("import", id)
            .detail("status", "undone");
        Ok(self.imports.undo(ctx, id, &audit).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn odd_header_spellings_are_inferred_and_unknown_ones_listed() {
        let h = headers(&[
            "First Name",
            "LASTNAME",
            "E-mail",
            "Job Title",
            "company_name",
            "Domain",
            "Notes",
        ]);
        let (mapping, ignored) = ColumnMapping::infer(&h);
        let fields: Vec<_> = mapping.columns.iter().map(|(_, f)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["first_name", "last_name", "email", "title", "company", "company_domain"]
        );
        assert_eq!(ignored, ["Notes"]);
        assert!(mapping.check_required().is_ok());
    }

    #[test]
    fn a_mapping_without_names_is_refused() {
        let h = headers(&["email"]);
        let (mapping, _) = ColumnMapping::given(vec![("email".into(), "email".into())], &h).unwrap();
        assert!(mapping.check_required().unwrap_err().contains("first_name"));
        assert!(ColumnMapping::given(vec![("x".into(), "email".into())], &h).is_err());
        assert!(ColumnMapping::given(vec![("email".into(), "nope".into())], &h).is_err());
    }

    #[test]
    fn rows_are_validated_with_the_contact_rules() {
        let h = headers(&["first", "last", "email", "domain"]);
        let (mapping, _) = ColumnMapping::given(
            vec![
                ("first".into(), "first_name".into()),
                ("last".into(), "last_name".into()),
                ("email".into(), "email".into()),
                ("domain".into(), "company_domain".into()),
            ],
            &h,
        )
        .unwrap();
        let mapped = mapping.fit(&h).unwrap();
        let row = ["Ada", "", "nope", "localhost"];
        let errors = map_row(&mapped, &[], |i| row.get(i).copied()).unwrap_err();
        let fields: Vec<_> = errors.fields().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["last_name", "email", "company_domain"]);
        let row = ["Ada", "Lovelace", "ada@x.io", "https://www.X.io/"];
        let ok = map_row(&mapped, &[], |i| row.get(i).copied()).unwrap();
        assert_eq!(ok.company_domain.unwrap().as_str(), "x.io");
    }
}
