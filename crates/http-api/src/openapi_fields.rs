//! What the request bodies' fields accept, beyond their JSON type: lengths,
//! patterns and enums that the domain's parsers check (`kernel::text`,
//! `EmailAddress`, `Domain`, `Amount`, `Currency`, `Password`, roles and
//! stage kinds). Applied to the derived document so a generated client, and
//! a contract test, know a request is valid before sending it.
//! `every_body_string_is_described` keeps the table complete.

use clearview_kernel::ISO_4217;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr};

/// No control character but tab (`char::is_control` covers C0 and C1).
const LINE: &str = r"[^\x00-\x08\x0A-\x1F\x7F-\x9F]";
/// No control character but tab and line breaks.
const LONG: &str = r"[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]";
/// A printable ASCII character other than `@`, and other than `.` too.
const ADDRESS_CHAR: &str = r"[!-?A-~]";
const LABEL_CHAR: &str = r"[!-\-/-?A-~]";

#[derive(Clone, Copy)]
enum Rule {
    /// One line, trimmed, at least one visible character, at most n.
    Required(usize),
    /// One line, trimmed, at most n; blank means none.
    Optional(usize),
    /// Several lines, at most n; blank means none.
    Long(usize),
    Email {
        optional: bool,
    },
    Phone,
    Domain,
    Amount,
    Currency,
    Password,
    Percent,
    OneOf(&'static [&'static str]),
    /// Any string: checked against the server's state, not its form (a
    /// token, a password to verify).
    Opaque,
}

const ROLES: &[&str] = &["admin", "manager", "rep", "viewer"];
const STAGE_KINDS: &[&str] = &["open", "won", "lost"];

/// (schema, field, rule). A field of a PATCH body whose rule is `Required`
/// may be left out but not set to `null`.
const FIELDS: &[(&str, &str, Rule)] = &[
    ("RegisterBody", "organization_name", Rule::Required(200)),
    ("RegisterBody", "name", Rule::Required(200)),
    ("RegisterBody", "email", Rule::Email { optional: false }),
    ("RegisterBody", "password", Rule::Password),
    ("VerifyEmailBody", "token", Rule::Opaque),
    ("VerifyEmailBody", "password", Rule::Password),
    ("LoginBody", "email", Rule::Opaque),
    ("LoginBody", "password", Rule::Opaque),
    ("ResetRequestBody", "email", Rule::Opaque),
    ("ResetBody", "token", Rule::Opaque),
    ("ResetBody", "password", Rule::Password),
    ("AcceptBody", "token", Rule::Opaque),
    ("AcceptBody", "name", Rule::Optional(200)),
    ("AcceptBody", "password", Rule::Opaque),
    ("InviteBody", "email", Rule::Email { optional: false }),
    ("InviteBody", "role", Rule::OneOf(ROLES)),
    ("RoleBody", "role", Rule::OneOf(ROLES)),
    ("SsoBody", "issuer", Rule::Required(500)),
    ("SsoBody", "client_id", Rule::Required(500)),
    ("SsoBody", "client_secret", Rule::Optional(500)),
    ("SsoBody", "default_role", Rule::OneOf(ROLES)),
    ("ApiKeyBody", "name", Rule::Required(100)),
    ("ApiKeyBody", "role", Rule::OneOf(ROLES)),
    ("ApiKeyBody", "scope", Rule::OneOf(&["read", "write"])),
    ("WebhookBody", "url", Rule::Opaque),
    ("DeleteOrganizationBody", "confirm", Rule::Opaque),
    ("OrganizationPatch", "name", Rule::Required(200)),
    ("OrganizationPatch", "rep_visibility", Rule::OneOf(&["all", "own"])),
    ("OrganizationPatch", "default_currency", Rule::Currency),
    (
        "OrganizationPatch",
        "mfa_required",
        Rule::OneOf(&["off", "admins", "everyone"]),
    ),
    ("RateBody", "currency", Rule::Currency),
    ("RateBody", "rate", Rule::Opaque),
    ("ViewBody", "entity", Rule::OneOf(&["contact", "company", "deal"])),
    (
        "CustomFieldBody",
        "entity",
        Rule::OneOf(&["contact", "company", "deal"]),
    ),
    ("CustomFieldBody", "label", Rule::Required(100)),
    (
        "CustomFieldBody",
        "type",
        Rule::OneOf(&[
            "text",
            "long_text",
            "number",
            "currency",
            "date",
            "boolean",
            "single_select",
            "multi_select",
        ]),
    ),
    ("CustomFieldBody", "currency", Rule::Currency),
    ("CustomFieldPatch", "label", Rule::Required(100)),
    ("FieldOption", "label", Rule::Required(100)),
    ("FieldOption", "key", Rule::Opaque),
    ("ViewBody", "name", Rule::Required(100)),
    ("ViewBody", "sort", Rule::Opaque),
    ("ViewPatch", "name", Rule::Required(100)),
    ("ViewPatch", "sort", Rule::Opaque),
    ("TotpConfirmBody", "code", Rule::Opaque),
    ("MfaVerifyBody", "code", Rule::Opaque),
    ("MfaVerifyBody", "recovery_code", Rule::Opaque),
    ("TotpDisableBody", "password", Rule::Opaque),
    ("TotpDisableBody", "code", Rule::Opaque),
    ("TotpDisableBody", "recovery_code", Rule::Opaque),
    ("ContactBody", "first_name", Rule::Required(100)),
    ("ContactBody", "last_name", Rule::Required(100)),
    ("ContactBody", "email", Rule::Email { optional: true }),
    ("ContactBody", "phone", Rule::Phone),
    ("ContactBody", "title", Rule::Optional(200)),
    ("ContactPatch", "first_name", Rule::Required(100)),
    ("ContactPatch", "last_name", Rule::Required(100)),
    ("ContactPatch", "email", Rule::Email { optional: true }),
    ("ContactPatch", "phone", Rule::Phone),
    ("ContactPatch", "title", Rule::Optional(200)),
    ("CompanyBody", "name", Rule::Required(200)),
    ("CompanyBody", "domain", Rule::Domain),
    ("CompanyBody", "phone", Rule::Phone),
    ("CompanyPatch", "name", Rule::Required(200)),
    ("CompanyPatch", "domain", Rule::Domain),
    ("CompanyPatch", "phone", Rule::Phone),
    ("DealBody", "title", Rule::Required(200)),
    ("DealBody", "amount", Rule::Amount),
    ("DealBody", "currency", Rule::Currency),
    ("DealBody", "probability", Rule::Percent),
    ("DealBody", "lost_reason", Rule::Optional(500)),
    ("DealPatch", "title", Rule::Required(200)),
    ("DealPatch", "amount", Rule::Amount),
    ("DealPatch", "currency", Rule::Currency),
    ("DealPatch", "probability", Rule::Percent),
    ("DealPatch", "lost_reason", Rule::Optional(500)),
    ("ActivityBody", "subject", Rule::Required(200)),
    ("ActivityBody", "body", Rule::Long(10_000)),
    ("ActivityPatch", "subject", Rule::Required(200)),
    ("ActivityPatch", "body", Rule::Long(10_000)),
    ("PipelineBody", "name", Rule::Required(100)),
    ("PipelinePatch", "name", Rule::Required(100)),
    ("StageBody", "name", Rule::Required(100)),
    ("StageBody", "kind", Rule::OneOf(STAGE_KINDS)),
    ("StageBody", "probability", Rule::Percent),
    ("StagePatchBody", "name", Rule::Required(100)),
    ("StagePatchBody", "kind", Rule::OneOf(STAGE_KINDS)),
    ("StagePatchBody", "probability", Rule::Percent),
];

/// PATCH fields that may be left out but never set to `null`
/// (`routes::patch::required_change`).
const NOT_NULL: &[(&str, &str)] = &[
    ("ContactPatch", "first_name"),
    ("ContactPatch", "last_name"),
    ("CompanyPatch", "name"),
    ("DealPatch", "title"),
    ("DealPatch", "amount"),
    ("DealPatch", "currency"),
    ("DealPatch", "pipeline_id"),
    ("DealPatch", "stage_id"),
    ("ActivityPatch", "kind"),
    ("ActivityPatch", "subject"),
    ("ActivityPatch", "done"),
    ("ViewPatch", "name"),
    ("ViewPatch", "shared"),
    ("ViewPatch", "filters"),
    ("ViewPatch", "columns"),
];

fn string(pattern: String, min: Option<usize>, max: Option<usize>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .min_length(min)
        .max_length(max)
}

fn schema_of(rule: Rule) -> Option<ObjectBuilder> {
    let email = format!(r"{ADDRESS_CHAR}{{1,64}}@{LABEL_CHAR}{ADDRESS_CHAR}*\.{ADDRESS_CHAR}*{LABEL_CHAR}");
    Some(match rule {
        Rule::Required(max) => string(format!(r"^{LINE}*[^\s\x00-\x1F\x7F-\x9F]{LINE}*$"), Some(1), Some(max)),
        Rule::Optional(max) => string(format!("^{LINE}*$"), None, Some(max)),
        Rule::Long(max) => string(format!("^{LONG}*$"), None, Some(max)),
        Rule::Email { optional: false } => string(format!("^{email}$"), None, Some(254)),
        Rule::Email { optional: true } => string(format!("^(?:{email})?$"), None, Some(254)),
        // 3 to 20 digits with the usual separators; blank means none.
        Rule::Phone => string(r"^(?:[ +().x-]*(?:[0-9][ +().x-]*){3,20})?$".into(), None, Some(50)),
        // Labels of letters, digits and inner hyphens; a URL is reduced to its host.
        Rule::Domain => string(
            r"^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)?$"
                .into(),
            None,
            Some(253),
        ),
        Rule::Amount => string(r"^[0-9]{1,15}(?:\.[0-9]{1,4})?$".into(), None, None),
        Rule::Currency => ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(ISO_4217.iter().copied())),
        Rule::Password => ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(10))
            .max_length(Some(128)),
        Rule::Percent => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .maximum(Some(100)),
        Rule::OneOf(values) => ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied())),
        Rule::Opaque => return None,
    })
}

fn properties<'a>(openapi: &'a mut OpenApi, schema: &str) -> Option<&'a mut utoipa::openapi::schema::Object> {
    match openapi.components.as_mut()?.schemas.get_mut(schema)? {
        RefOr::T(Schema::Object(object)) => Some(object),
        _ => None,
    }
}

/// Applies the table; a field the table names but the document lacks is a
/// bug caught by the tests below.
pub fn describe(openapi: &mut OpenApi) {
    for (schema, field, rule) in FIELDS {
        let Some(object) = properties(openapi, schema) else {
            continue;
        };
        let required = object.required.iter().any(|r| r == field);
        let not_null = required || NOT_NULL.contains(&(schema, field));
        let Some(property) = object.properties.get_mut(*field) else {
            continue;
        };
        let description = match property {
            RefOr::T(Schema::Object(p)) => p.description.clone(),
            _ => None,
        };
        if let Some(mut built) = schema_of(*rule) {
            if !not_null {
                built = built.schema_type(nullable(*rule));
            }
            *property = built.description(description).into();
        }
    }
    for (schema, field) in NOT_NULL {
        let Some(object) = properties(openapi, schema) else {
            continue;
        };
        let Some(property) = object.properties.get_mut(*field) else {
            continue;
        };
        match property {
            RefOr::T(Schema::Object(p)) => {
                if let Some(first) = json_types(&p.schema_type).first() {
                    p.schema_type = first.clone().into();
                }
            }
            // `Option<Option<Enum>>`: oneOf [null, $ref] becomes the $ref.
            RefOr::T(Schema::OneOf(one_of)) => {
                if let Some(reference) = one_of.items.iter().find_map(|item| match item {
                    RefOr::Ref(r) => Some(r.clone()),
                    _ => None,
                }) {
                    *property = RefOr::Ref(Ref::new(reference.ref_location));
                }
            }
            _ => {}
        }
    }
}

fn nullable(rule: Rule) -> utoipa::openapi::schema::SchemaType {
    let base = match rule {
        Rule::Percent => Type::Integer,
        _ => Type::String,
    };
    utoipa::openapi::schema::SchemaType::from_iter([base, Type::Null])
}

fn json_types(schema_type: &utoipa::openapi::schema::SchemaType) -> Vec<Type> {
    use utoipa::openapi::schema::SchemaType;
    match schema_type {
        SchemaType::Type(t) => vec![t.clone()],
        SchemaType::Array(types) => types.iter().filter(|t| **t != Type::Null).cloned().collect(),
        SchemaType::AnyValue => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn document() -> Value {
        serde_json::to_value(<crate::openapi::ApiDoc as utoipa::OpenApi>::openapi()).unwrap()
    }

    #[test]
    fn every_body_string_is_described() {
        let doc = document();
        let mut bodies = std::collections::BTreeSet::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                if let Some(reference) =
                    operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
                {
                    bodies.insert(reference.rsplit('/').next().unwrap().to_owned());
                }
            }
        }
        for body in &bodies {
            for (field, property) in doc["components"]["schemas"][body]["properties"].as_object().unwrap() {
                let is_string = property["type"] == "string"
                    || property["type"]
                        .as_array()
                        .is_some_and(|t| t.contains(&Value::from("string")));
                let described = property.get("format").is_some()
                    || property.get("enum").is_some()
                    || property.get("pattern").is_some()
                    || FIELDS.iter().any(|(s, f, _)| s == body && f == field);
                assert!(
                    !is_string || described,
                    "{body}.{field} has no rule in openapi_fields::FIELDS"
                );
            }
        }
        for (schema, field, _) in FIELDS {
            assert!(
                doc["components"]["schemas"][schema]["properties"][field].is_object(),
                "{schema}.{field} is not in the document"
            );
        }
        for (schema, field) in NOT_NULL {
            assert!(
                doc["components"]["schemas"][schema]["properties"][field].is_object(),
                "{schema}.{field} is not in the document"
            );
        }
    }

    #[test]
    fn patterns_accept_what_the_domain_accepts() {
        let doc = document();
        let pattern = |schema: &str, field: &str| {
            let p = doc["components"]["schemas"][schema]["properties"][field]["pattern"]
                .as_str()
                .unwrap()
                .to_owned();
            regex_lite::Regex::new(&p).unwrap()
        };
        let email = pattern("ContactBody", "email");
        for ok in ["ada@example.com", "", "a.b+c@sub.example.co"] {
            assert!(email.is_match(ok), "{ok}");
        }
        for bad in ["nope", "a@b", "@x.com", "a@.com", "a@x.com."] {
            assert!(!email.is_match(bad), "{bad}");
        }
        let phone = pattern("ContactBody", "phone");
        assert!(
            phone.is_match("+44 20 7946 0958")
                && phone.is_match("")
                && !phone.is_match("12")
                && !phone.is_match("call me")
        );
        let name = pattern("ContactBody", "first_name");
        assert!(name.is_match("Ada") && name.is_match(" Zoë\t") && !name.is_match("  ") && !name.is_match("a\nb"));
        let amount = pattern("DealBody", "amount");
        assert!(
            amount.is_match("12500.00")
                && !amount.is_match("-1")
                && !amount.is_match("1.23456")
                && !amount.is_match("1e5")
        );
        let domain = pattern("CompanyBody", "domain");
        assert!(
            domain.is_match("example.co.uk")
                && domain.is_match("")
                && !domain.is_match("localhost")
                && !domain.is_match("-x.com")
        );
    }
}
