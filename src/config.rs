//! Settings from flags and `CARELOG_*` environment variables. A bad or unknown value stops start-up
//! with a message naming the setting. The database URL's password never reaches `Debug` or logs.

use std::net::SocketAddr;

use carelog_domain::practice_time::parse_time_zone;
use chrono_tz::Tz;

/// Every `CARELOG_` variable carelog reads; any other is a typo worth stopping for.
pub const KNOWN_VARIABLES: &[&str] = &[
    "CARELOG_DATABASE_URL",
    "CARELOG_BIND",
    "CARELOG_TZ",
    "CARELOG_SECURE_COOKIES",
    "CARELOG_TRUST_FORWARDED_FOR",
    "CARELOG_LOG",
    "CARELOG_LOG_FORMAT",
    "CARELOG_TEST_PG",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    pub setting: String,
    pub message: String,
}

fn bad(setting: &str, message: String) -> ConfigError {
    ConfigError { setting: setting.to_owned(), message }
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    pub time_zone: Tz,
    pub secure_cookies: bool,
    pub trust_forwarded_for: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &carelog_store::redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("time_zone", &self.time_zone)
            .field("secure_cookies", &self.secure_cookies)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .finish()
    }
}

/// Raw text of each setting, as clap collected it from flags, environment and defaults.
pub struct RawConfig {
    pub database_url: String,
    pub bind: String,
    pub time_zone: String,
    pub secure_cookies: String,
    pub trust_forwarded_for: String,
}

pub fn parse_bool(setting: &str, text: &str) -> Result<bool, ConfigError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => Err(bad(setting, format!("\"{other}\" is not true or false"))),
    }
}

impl RawConfig {
    pub fn parse(self) -> Result<Config, ConfigError> {
        carelog_store::Engine::from_url(&self.database_url)
            .map_err(|e| bad("CARELOG_DATABASE_URL", e.to_string().trim_start_matches("CARELOG_DATABASE_URL: ").to_owned()))?;
        let bind = self
            .bind
            .trim()
            .parse::<SocketAddr>()
            .map_err(|_| bad("CARELOG_BIND", format!("\"{}\" is not an address and port such as 127.0.0.1:8080", self.bind)))?;
        let time_zone = parse_time_zone(&self.time_zone).map_err(|e| bad("CARELOG_TZ", e.message))?;
        Ok(Config {
            database_url: self.database_url.trim().to_owned(),
            bind,
            time_zone,
            secure_cookies: parse_bool("CARELOG_SECURE_COOKIES", &self.secure_cookies)?,
            trust_forwarded_for: parse_bool("CARELOG_TRUST_FORWARDED_FOR", &self.trust_forwarded_for)?,
        })
    }
}

/// Names the first `CARELOG_` variable in the environment that carelog does not know.
pub fn unknown_variable<I: IntoIterator<Item = String>>(names: I) -> Option<ConfigError> {
    names
        .into_iter()
        .find(|n| n.starts_with("CARELOG_") && !KNOWN_VARIABLES.contains(&n.as_str()))
        .map(|n| bad(&n, format!("is not a carelog setting; known settings are {}", KNOWN_VARIABLES.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawConfig {
        RawConfig {
            database_url: "sqlite:data/carelog.db".into(),
            bind: "127.0.0.1:8080".into(),
            time_zone: "America/Los_Angeles".into(),
            secure_cookies: "false".into(),
            trust_forwarded_for: "".into(),
        }
    }

    #[test]
    fn defaults_parse() {
        let c = raw().parse().unwrap();
        assert_eq!(c.bind.port(), 8080);
        assert!(!c.secure_cookies);
    }

    #[test]
    fn each_bad_value_names_its_setting() {
        let cases: Vec<(RawConfig, &str)> = vec![
            (RawConfig { bind: "localhost".into(), ..raw() }, "CARELOG_BIND"),
            (RawConfig { time_zone: "Pacific".into(), ..raw() }, "CARELOG_TZ"),
            (RawConfig { secure_cookies: "maybe".into(), ..raw() }, "CARELOG_SECURE_COOKIES"),
            (RawConfig { database_url: "mysql://x".into(), ..raw() }, "CARELOG_DATABASE_URL"),
            (RawConfig { trust_forwarded_for: "2".into(), ..raw() }, "CARELOG_TRUST_FORWARDED_FOR"),
        ];
        for (config, setting) in cases {
            let err = config.parse().unwrap_err();
            assert_eq!(err.setting, setting);
            assert!(err.to_string().starts_with(setting));
        }
    }

    #[test]
    fn unknown_carelog_variables_are_named() {
        let err = unknown_variable(vec!["PATH".into(), "CARELOG_DATABSE_URL".into()]).unwrap();
        assert_eq!(err.setting, "CARELOG_DATABSE_URL");
        assert!(unknown_variable(vec!["CARELOG_TZ".into(), "HOME".into()]).is_none());
    }

    #[test]
    fn debug_hides_the_database_password() {
        let c = RawConfig { database_url: "postgres://app:hunter2@db/carelog".into(), ..raw() }.parse().unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
