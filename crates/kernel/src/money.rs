//! Exact money (invariant 7): a non-negative decimal amount with at most
//! four decimal places, and an ISO-4217 currency. Never a float.

use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

/// Active ISO-4217 codes (2026), so a typo such as `USS` is refused.
pub const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF",
    "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC",
    "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD",
    "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL",
    "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
    "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim();
        if !ISO_4217.contains(&code) {
            return Err("must be an ISO-4217 currency code such as USD or EUR (upper case)".into());
        }
        let bytes = code.as_bytes();
        Ok(Self([bytes[0], bytes[1], bytes[2]]))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII codes from the list above are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A deal amount: ≥ 0, at most 4 decimal places, at most 15 integer digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(Decimal);

impl Amount {
    /// Plain decimal notation only (`"12500.00"`): no exponent, no sign.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        let plain = !text.is_empty()
            && text.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-')
            && text.matches('.').count() <= 1;
        if !plain {
            return Err("must be a decimal number such as \"12500.00\"".into());
        }
        let value = Decimal::from_str(text).map_err(|_| "must be a decimal number such as \"12500.00\"")?;
        Self::new(value)
    }

    pub fn new(value: Decimal) -> Result<Self, String> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err("must not be negative".into());
        }
        if value.scale() > 4 {
            return Err("must have at most 4 decimal places".into());
        }
        if value.trunc() >= Decimal::from(1_000_000_000_000_000i64) {
            return Err("is too large".into());
        }
        Ok(Self(value))
    }

    pub fn value(&self) -> Decimal {
        self.0
    }
}

/// Formats money for the wire: exact, at least two decimal places.
pub fn money_string(value: Decimal) -> String {
    let mut normalized = value.normalize();
    if normalized.scale() < 2 {
        normalized.rescale(2);
    }
    normalized.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn currencies_are_checked_against_iso_4217() {
        assert_eq!(Currency::parse("EUR").unwrap().as_str(), "EUR");
        assert!(Currency::parse("eur").is_err());
        assert!(Currency::parse("USS").is_err());
    }

    #[test]
    fn amounts_are_exact_non_negative_and_bounded() {
        assert_eq!(Amount::parse("12500.00").unwrap().value().to_string(), "12500.00");
        assert!(Amount::parse("-1").is_err());
        assert!(Amount::parse("1.23456").is_err());
        assert!(Amount::parse("1e3").is_err());
        assert!(Amount::parse("twelve").is_err());
    }

    #[test]
    fn money_strings_keep_cents() {
        assert_eq!(money_string(Decimal::from_str("3125.0000").unwrap()), "3125.00");
        assert_eq!(money_string(Decimal::from_str("0.125").unwrap()), "0.125");
        assert_eq!(money_string(Decimal::ZERO), "0.00");
    }

    proptest! {
        #[test]
        fn any_cent_amount_round_trips(cents in 0i64..1_000_000_000_000) {
            let text = format!("{}.{:02}", cents / 100, cents % 100);
            prop_assert_eq!(money_string(Amount::parse(&text).unwrap().value()), text);
        }
    }
}
