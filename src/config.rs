//! Settings from flags and `CARELOG_*` environment variables. A bad or unknown value stops start-up
//! with a message naming the setting. The database URL's password never reaches `Debug` or logs.

use std::net::SocketAddr;

use carelog_domain::client_address::TrustedProxies;
use carelog_domain::practice_time::parse_time_zone;
use carelog_domain::session_policy::{IDLE_TIMEOUT_MINUTES, IDLE_TIMEOUT_RANGE};
use chrono_tz::Tz;

/// Every `CARELOG_` variable carelog reads; any other is a typo worth stopping for.
pub const KNOWN_VARIABLES: &[&str] = &[
    "CARELOG_DATABASE_URL",
    "CARELOG_BIND",
    "CARELOG_TZ",
    "CARELOG_SECURE_COOKIES",
    "CARELOG_TRUST_FORWARDED_FOR",
    "CARELOG_TRUSTED_PROXIES",
    "CARELOG_LOG",
    "CARELOG_LOG_FORMAT",
    "CARELOG_SMTP_URL",
    "CARELOG_SMTP_FROM",
    "CARELOG_BASE_URL",
    "CARELOG_SHUTDOWN_SECONDS",
    "CARELOG_SESSION_IDLE_MINUTES",
    "CARELOG_TEST_PG",
    "CARELOG_BENCH_PG",
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
    /// The load balancers whose `X-Forwarded-For` entries are believed; none: the socket's peer is the client.
    pub trusted_proxies: Option<TrustedProxies>,
    /// SMTP relay for e-mail notifications; none means in-app only.
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    /// The address people reach carelog at, for links in e-mails.
    pub base_url: String,
    /// How long a session lives without a request (`CARELOG_SESSION_IDLE_MINUTES`, 5–60).
    pub session_idle: chrono::Duration,
}

impl Config {
    /// Defaults for everything but the database, as tests and benchmarks need.
    pub fn for_database(database_url: &str) -> Config {
        Config {
            database_url: database_url.to_owned(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            time_zone: chrono_tz::America::Los_Angeles,
            secure_cookies: false,
            trusted_proxies: None,
            smtp_url: None,
            smtp_from: DEFAULT_SMTP_FROM.to_owned(),
            base_url: "http://127.0.0.1:8080".to_owned(),
            session_idle: chrono::Duration::minutes(IDLE_TIMEOUT_MINUTES),
        }
    }
}

pub const DEFAULT_SMTP_FROM: &str = "carelog <carelog@localhost>";

/// The embedded database `cargo run` starts on: the only one the demo practice loads into by itself.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:data/carelog.db";
const DEFAULT_DATABASE_FILE: &str = "data/carelog.db";

/// Whether this start is the one that creates the default embedded database (and so may fill it with
/// the demo practice). Asked before connecting, since connecting creates the file.
pub fn creates_default_database(database_url: &str) -> bool {
    database_url.trim() == DEFAULT_DATABASE_URL
        && !std::path::Path::new(DEFAULT_DATABASE_FILE).exists()
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &carelog_store::redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("time_zone", &self.time_zone)
            .field("secure_cookies", &self.secure_cookies)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("smtp_url", &self.smtp_url.as_deref().map(carelog_store::redact_url))
            .field("smtp_from", &self.smtp_from)
            .field("base_url", &self.base_url)
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
    pub trusted_proxies: String,
    pub smtp_url: String,
    pub smtp_from: String,
    pub base_url: String,
    pub session_idle_minutes: i64,
}

pub fn parse_bool(setting: &str, text: &str) -> Result<bool, ConfigError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => Err(bad(setting, format!("\"{other}\" is not true or false"))),
    }
}

impl RawConfig {
    /// `X-Forwarded-For` is believed only from the proxies named, so trusting it requires naming them.
    fn trusted_proxies(&self) -> Result<Option<TrustedProxies>, ConfigError> {
        let trust = parse_bool("CARELOG_TRUST_FORWARDED_FOR", &self.trust_forwarded_for)?;
        let listed = !self.trusted_proxies.trim().is_empty();
        match (trust, listed) {
            (false, false) => Ok(None),
            (false, true) => Err(bad(
                "CARELOG_TRUST_FORWARDED_FOR",
                "is off, so CARELOG_TRUSTED_PROXIES would be ignored; set it to true behind those proxies".into(),
            )),
            (true, _) => TrustedProxies::parse(&self.trusted_proxies)
                .map(Some)
                .map_err(|e| bad("CARELOG_TRUSTED_PROXIES", e.message)),
        }
    }

    fn session_idle(&self) -> Result<chrono::Duration, ConfigError> {
        if IDLE_TIMEOUT_RANGE.contains(&self.session_idle_minutes) {
            Ok(chrono::Duration::minutes(self.session_idle_minutes))
        } else {
            Err(bad(
                "CARELOG_SESSION_IDLE_MINUTES",
                format!("{} is not between 5 and 60 minutes", self.session_idle_minutes),
            ))
        }
    }

    pub fn parse(self) -> Result<Config, ConfigError> {
        carelog_store::Engine::from_url(&self.database_url).map_err(|e| {
            bad(
                "CARELOG_DATABASE_URL",
                e.to_string().trim_start_matches("CARELOG_DATABASE_URL: ").to_owned(),
            )
        })?;
        let bind = self.bind.trim().parse::<SocketAddr>().map_err(|_| {
            bad(
                "CARELOG_BIND",
                format!("\"{}\" is not an address and port such as 127.0.0.1:8080", self.bind),
            )
        })?;
        let time_zone =
            parse_time_zone(&self.time_zone).map_err(|e| bad("CARELOG_TZ", e.message))?;
        let smtp_url = Some(self.smtp_url.trim().to_owned()).filter(|u| !u.is_empty());
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(bad(
                "CARELOG_SMTP_URL",
                format!(
                    "\"{}\" is neither smtp://HOST:PORT nor smtps://HOST:PORT",
                    carelog_store::redact_url(url)
                ),
            ));
        }
        let base_url = match self.base_url.trim().trim_end_matches('/') {
            "" => served_at(bind),
            given => given.to_owned(),
        };
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(bad(
                "CARELOG_BASE_URL",
                format!(
                    "\"{base_url}\" is not an address such as https://carelog.practice.example"
                ),
            ));
        }
        Ok(Config {
            database_url: self.database_url.trim().to_owned(),
            bind,
            time_zone,
            secure_cookies: parse_bool("CARELOG_SECURE_COOKIES", &self.secure_cookies)?,
            trusted_proxies: self.trusted_proxies()?,
            smtp_url,
            smtp_from: self.smtp_from.trim().to_owned(),
            base_url,
            session_idle: self.session_idle()?,
        })
    }
}

/// The address carelog is served at when no base URL is set: the bind address, or this machine's
/// loopback when it listens on every interface.
fn served_at(bind: SocketAddr) -> String {
    let host = match bind.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_owned(),
        ip if ip.is_unspecified() => "[::1]".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        std::net::IpAddr::V4(ip) => ip.to_string(),
    };
    format!("http://{host}:{}", bind.port())
}

/// Names the first `CARELOG_` variable in the environment that carelog does not know.
pub fn unknown_variable<I: IntoIterator<Item = String>>(names: I) -> Option<ConfigError> {
    names
        .into_iter()
        .find(|n| n.starts_with("CARELOG_") && !KNOWN_VARIABLES.contains(&n.as_str()))
        .map(|n| {
            bad(
                &n,
                format!(
                    "is not a carelog setting; known settings are {}",
                    KNOWN_VARIABLES.join(", ")
                ),
            )
        })
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
            trusted_proxies: String::new(),
            smtp_url: String::new(),
            smtp_from: DEFAULT_SMTP_FROM.into(),
            base_url: "http://127.0.0.1:8080".into(),
            session_idle_minutes: 15,
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
            (RawConfig { session_idle_minutes: 4, ..raw() }, "CARELOG_SESSION_IDLE_MINUTES"),
            (RawConfig { session_idle_minutes: 61, ..raw() }, "CARELOG_SESSION_IDLE_MINUTES"),
            (RawConfig { time_zone: "Pacific".into(), ..raw() }, "CARELOG_TZ"),
            (RawConfig { secure_cookies: "maybe".into(), ..raw() }, "CARELOG_SECURE_COOKIES"),
            (RawConfig { database_url: "mysql://x".into(), ..raw() }, "CARELOG_DATABASE_URL"),
            (RawConfig { trust_forwarded_for: "2".into(), ..raw() }, "CARELOG_TRUST_FORWARDED_FOR"),
            (RawConfig { trust_forwarded_for: "true".into(), ..raw() }, "CARELOG_TRUSTED_PROXIES"),
            (
                RawConfig {
                    trust_forwarded_for: "true".into(),
                    trusted_proxies: "10.0.0.0/8, lb.internal".into(),
                    ..raw()
                },
                "CARELOG_TRUSTED_PROXIES",
            ),
            (
                RawConfig { trusted_proxies: "10.0.0.0/8".into(), ..raw() },
                "CARELOG_TRUST_FORWARDED_FOR",
            ),
            (RawConfig { smtp_url: "mail.example:25".into(), ..raw() }, "CARELOG_SMTP_URL"),
            (RawConfig { base_url: "carelog.example".into(), ..raw() }, "CARELOG_BASE_URL"),
        ];
        for (config, setting) in cases {
            let err = config.parse().unwrap_err();
            assert_eq!(err.setting, setting);
            assert!(err.to_string().starts_with(setting));
        }
    }

    #[test]
    fn the_base_url_defaults_to_the_address_served_at() {
        let at = |bind: &str| RawConfig { bind: bind.into(), base_url: String::new(), ..raw() };
        assert_eq!(at("127.0.0.1:9000").parse().unwrap().base_url, "http://127.0.0.1:9000");
        assert_eq!(at("0.0.0.0:8081").parse().unwrap().base_url, "http://127.0.0.1:8081");
        assert_eq!(at("[::]:8082").parse().unwrap().base_url, "http://[::1]:8082");
        assert_eq!(at("10.1.2.3:80").parse().unwrap().base_url, "http://10.1.2.3:80");
        let set = RawConfig { base_url: "https://carelog.example/".into(), ..raw() };
        assert_eq!(set.parse().unwrap().base_url, "https://carelog.example", "a set one wins");
    }

    #[test]
    fn unknown_carelog_variables_are_named() {
        let err = unknown_variable(vec!["PATH".into(), "CARELOG_DATABSE_URL".into()]).unwrap();
        assert_eq!(err.setting, "CARELOG_DATABSE_URL");
        assert!(unknown_variable(vec!["CARELOG_TZ".into(), "HOME".into()]).is_none());
    }

    #[test]
    fn debug_hides_the_database_password() {
        let c = RawConfig { database_url: "postgres://app:hunter2@db/carelog".into(), ..raw() }
            .parse()
            .unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
