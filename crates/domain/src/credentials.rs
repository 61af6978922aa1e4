//! Usernames and new passwords, parsed before they reach the store.

use crate::RuleViolation;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// 3–32 characters of lower-case letters, digits, `.`, `_` or `-`, starting with a letter.
    pub fn parse(text: &str) -> Result<Self, RuleViolation> {
        let name = text.trim().to_ascii_lowercase();
        let len = name.chars().count();
        if !(3..=32).contains(&len) {
            return Err(RuleViolation::new(
                "username",
                format!("must be 3 to 32 characters; \"{name}\" has {len}"),
            ));
        }
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(RuleViolation::new("username", "must start with a letter"));
        }
        if let Some(bad) = name.chars().find(|c| {
            !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        }) {
            return Err(RuleViolation::new(
                "username",
                format!("may hold only letters, digits, '.', '_' and '-'; found '{bad}'"),
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password a person chooses (demo accounts are seeded, not chosen).
pub struct NewPassword(String);

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

impl NewPassword {
    pub fn parse(text: &str) -> Result<Self, RuleViolation> {
        let len = text.chars().count();
        if len < MIN_PASSWORD_CHARS {
            return Err(RuleViolation::new(
                "password",
                format!("must be at least {MIN_PASSWORD_CHARS} characters; this one has {len}"),
            ));
        }
        if len > MAX_PASSWORD_CHARS {
            return Err(RuleViolation::new(
                "password",
                format!("must be at most {MAX_PASSWORD_CHARS} characters"),
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse(" Coord1 ").unwrap().as_str(), "coord1");
        assert!(Username::parse("ab").unwrap_err().message.contains("3 to 32"));
        assert!(Username::parse("1abc").unwrap_err().message.contains("start with a letter"));
        assert!(Username::parse("a b c").unwrap_err().message.contains("' '"));
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
    }

    #[test]
    fn passwords_have_a_minimum_and_maximum_length() {
        assert!(NewPassword::parse("123456789").unwrap_err().message.contains("at least 10"));
        assert!(NewPassword::parse("1234567890").is_ok());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        assert_eq!(
            format!("{:?}", NewPassword::parse("secret-secret").unwrap()),
            "NewPassword(<redacted>)"
        );
    }
}
