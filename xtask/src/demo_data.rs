//! Deterministic demo companies and contacts: the same seed gives the same
//! names, domains and emails on every machine, so screenshots and bug
//! reports about the demo data line up.

use crate::names::{COMPANY_PREFIXES, COMPANY_TRADES, FIRST_NAMES, LAST_NAMES, TITLES};
use rand::Rng;
use rand::rngs::StdRng;
use std::collections::HashSet;
use uuid::Uuid;

pub const COMPANY_COUNT: usize = 60;
pub const CONTACT_COUNT: usize = 300;

pub struct Company {
    pub id: Uuid,
    pub name: String,
    pub domain: String,
    pub phone: String,
    pub owner_id: Uuid,
}

pub struct Contact {
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub email: String,
    pub phone: Option<String>,
    pub title: Option<&'static str>,
    pub company: Option<usize>,
    pub owner_id: Uuid,
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

fn phone(rng: &mut StdRng) -> String {
    // 555-01xx is the range reserved for fiction in North America.
    format!(
        "+1 {}-555-01{:02}",
        rng.random_range(201..990),
        rng.random_range(0..100)
    )
}

/// Lower-case letters and digits only, words joined by `-`.
fn slug(text: &str) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_lowercase()
        })
        .collect();
    words.join("-")
}

pub fn generate_companies(rng: &mut StdRng, owners: &[Uuid]) -> Vec<Company> {
    let mut seen = HashSet::new();
    let mut companies = Vec::with_capacity(COMPANY_COUNT);
    while companies.len() < COMPANY_COUNT {
        let name = format!("{} {}", pick(rng, COMPANY_PREFIXES), pick(rng, COMPANY_TRADES));
        // Unique names give unique domains, which the schema requires.
        if !seen.insert(name.clone()) {
            continue;
        }
        companies.push(Company {
            id: Uuid::now_v7(),
            domain: format!("{}.example", slug(&name)),
            name,
            phone: phone(rng),
            owner_id: pick(rng, owners),
        });
    }
    companies
}

pub fn generate_contacts(rng: &mut StdRng, companies: &[Company], owners: &[Uuid]) -> Vec<Contact> {
    let mut emails = HashSet::new();
    let mut contacts = Vec::with_capacity(CONTACT_COUNT);
    for _ in 0..CONTACT_COUNT {
        let first_name = pick(rng, FIRST_NAMES);
        let last_name = pick(rng, LAST_NAMES);
        // Most contacts work somewhere; the rest are individuals.
        let company = rng.random_bool(0.85).then(|| rng.random_range(0..companies.len()));
        let domain = company.map_or("mail.example", |i| companies[i].domain.as_str());
        // Usually the account's owner also owns its people.
        let owner_id = match company {
            Some(i) if rng.random_bool(0.7) => companies[i].owner_id,
            _ => pick(rng, owners),
        };
        let local = format!("{}.{}", slug(first_name), slug(last_name));
        let mut email = format!("{local}@{domain}");
        let mut n = 2;
        while !emails.insert(email.clone()) {
            email = format!("{local}{n}@{domain}");
            n += 1;
        }
        contacts.push(Contact {
            first_name,
            last_name,
            email,
            phone: rng.random_bool(0.8).then(|| phone(rng)),
            title: rng.random_bool(0.9).then(|| pick(rng, TITLES)),
            company,
            owner_id,
        });
    }
    contacts
}
