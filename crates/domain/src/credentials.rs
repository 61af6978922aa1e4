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

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// zxcvbn's score from 0 (guessed at once) to 4; 3 resists an offline attack on a leaked hash for years.
pub const MIN_PASSWORD_SCORE: u8 = 3;

impl NewPassword {
    /// At least 12 characters and hard to guess (zxcvbn score 3 or more), judged also against
    /// `about_the_user` (username, name): a password built from them is easy for anyone who knows them.
    pub fn parse(text: &str, about_the_user: &[&str]) -> Result<Self, RuleViolation> {
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
        let words: Vec<String> = about_the_user
            .iter()
            .flat_map(|s| s.split(|c: char| c.is_whitespace() || matches!(c, '.' | '_' | '-')))
            .chain(about_the_user.iter().copied())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let inputs: Vec<&str> = words.iter().map(String::as_str).collect();
        let strength = zxcvbn::zxcvbn(text, &inputs);
        let score = u8::from(strength.score());
        if score < MIN_PASSWORD_SCORE {
            let why = strength
                .feedback()
                .and_then(|f| f.warning())
                .map(|w| format!(" ({w})"))
                .unwrap_or_default();
            return Err(RuleViolation::new(
                "password",
                format!(
                    "is too easy to guess{why}: it scores {score} of 4 and needs {MIN_PASSWORD_SCORE}. A few unrelated words, or a longer phrase, will do"
                ),
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// How long an API token lives: 90 days unless chosen, at most a year, so a forgotten token ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLifetime(u16);

pub const DEFAULT_TOKEN_DAYS: u16 = 90;
pub const MAX_TOKEN_DAYS: u16 = 365;

impl TokenLifetime {
    /// Whole days from 1 to 365; empty means the default 90.
    pub fn parse(text: &str) -> Result<Self, RuleViolation> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Self(DEFAULT_TOKEN_DAYS));
        }
        match text.parse::<u16>() {
            Ok(days) if (1..=MAX_TOKEN_DAYS).contains(&days) => Ok(Self(days)),
            _ => Err(RuleViolation::new(
                "expires in",
                format!("give whole days from 1 to {MAX_TOKEN_DAYS}; \"{text}\" is not"),
            )),
        }
    }

    pub fn days(self) -> i64 {
        i64::from(self.0)
    }
}

impl Default for TokenLifetime {
    fn default() -> Self {
        Self(DEFAULT_TOKEN_DAYS)
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
        let short = NewPassword::parse("Vx9#kq2!Lm", &[]).unwrap_err();
        assert!(short.message.contains("at least 12"), "{}", short.message);
        assert!(NewPassword::parse("Quartz-lantern-harbor-91", &[]).is_ok());
        assert!(NewPassword::parse(&"x".repeat(129), &[]).is_err());
        assert_eq!(
            format!("{:?}", NewPassword::parse("Quartz-lantern-harbor-91", &[]).unwrap()),
            "NewPassword(<redacted>)"
        );
    }

    #[test]
    fn tokens_live_ninety_days_unless_told_and_never_past_a_year() {
        assert_eq!(TokenLifetime::parse("").unwrap().days(), 90);
        assert_eq!(TokenLifetime::parse(" 1 ").unwrap().days(), 1);
        assert_eq!(TokenLifetime::parse("365").unwrap().days(), 365);
        for bad in ["0", "366", "-5", "forever", "30.5"] {
            assert!(TokenLifetime::parse(bad).unwrap_err().message.contains("1 to 365"), "{bad}");
        }
    }

    #[test]
    fn easy_passwords_are_refused_saying_why() {
        // The review's examples, and others of their kind.
        for easy in ["aaaaaaaaaaaa", "password1234", "            ", "qwertyuiop12", "123456789012"]
        {
            let e = NewPassword::parse(easy, &[]).unwrap_err();
            assert!(e.message.contains("too easy to guess"), "{easy:?}: {}", e.message);
        }
        // Built from the user's own name: strong for a stranger, weak for someone who knows it.
        assert!(NewPassword::parse("Quillonmaraday", &[]).is_ok());
        let e = NewPassword::parse("Quillonmaraday", &["quillon.maraday", "Quillon Maraday"]);
        assert!(e.is_err());
    }
}
