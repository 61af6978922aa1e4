use std::sync::Arc;

use carelog_app::App;
use chrono_tz::Tz;

/// Everything a handler needs; nothing in it is per-server state a second server would lack.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub settings: Arc<WebSettings>,
}

#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The practice time zone: "today", months and the daily cap are counted in it.
    pub time_zone: Tz,
    /// Marks cookies Secure and sends HSTS; on when carelog is served over HTTPS.
    pub secure_cookies: bool,
    /// The load balancers whose `X-Forwarded-For` entries are believed; none: the peer is the client.
    pub trusted_proxies: Option<carelog_domain::client_address::TrustedProxies>,
    /// Whether e-mail notifications can be sent (SMTP configured).
    pub email_configured: bool,
    /// The address people reach carelog at, for links in e-mails.
    pub base_url: String,
    /// How long a session lives without a request (the browser warns two minutes before).
    pub session_idle: chrono::Duration,
}

impl AppState {
    pub fn new(app: App, settings: WebSettings) -> Self {
        Self { app, settings: Arc::new(settings) }
    }
}
