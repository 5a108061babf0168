//! Randomness for two-step sign-in: 20-byte TOTP seeds and recovery codes
//! of ten characters from an alphabet without look-alikes (no 0/o, 1/l/i),
//! about 50 bits each, shown as `xxxxx-xxxxx`.

use clearview_tenancy::MfaSecrets;
use rand::Rng;

/// Lower-case letters and digits that cannot be mistaken for each other.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

pub struct MfaRandom;

impl MfaSecrets for MfaRandom {
    fn seed(&self) -> Vec<u8> {
        let mut seed = vec![0u8; 20];
        rand::rng().fill(seed.as_mut_slice());
        seed
    }

    fn recovery_code(&self) -> String {
        let mut rng = rand::rng();
        let mut pick = || ALPHABET[rng.random_range(0..ALPHABET.len())] as char;
        let first: String = (0..5).map(|_| pick()).collect();
        let second: String = (0..5).map(|_| pick()).collect();
        format!("{first}-{second}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_two_groups_of_five_from_the_alphabet_and_differ() {
        let code = MfaRandom.recovery_code();
        let (a, b) = code.split_once('-').unwrap();
        assert_eq!((a.len(), b.len()), (5, 5));
        assert!(a.bytes().chain(b.bytes()).all(|c| ALPHABET.contains(&c)));
        assert_ne!(MfaRandom.recovery_code(), MfaRandom.recovery_code());
        assert_eq!(MfaRandom.seed().len(), 20);
        assert_ne!(MfaRandom.seed(), MfaRandom.seed());
    }
}
