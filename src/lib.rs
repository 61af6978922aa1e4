//! The carelog application: configuration, start-up (migrate, seed, demo) and the HTTP server.
//! `main.rs` is the command line around it; the integration tests drive the same functions.

pub mod config;
pub mod demo;

use std::future::Future;
use std::net::SocketAddr;

use carelog_store::Store;
use carelog_web::{AppState, WebSettings};
use chrono::Utc;
use chrono_tz::Tz;
use tokio::net::TcpListener;

pub use config::Config;
pub use demo::DemoSize;

/// The password every demo account shares; printed at start-up and in the README.
pub const DEMO_PASSWORD: &str = "demo";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] carelog_store::StoreError),
    #[error("{0}")]
    Hash(#[from] carelog_web::password::HashError),
    #[error("the database already holds a practice ({0} users); the demo loads only into an empty database")]
    NotEmpty(i64),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Migrates and seeds reference data; both are safe to repeat and to run from several servers.
pub async fn prepare(store: &Store) -> Result<(), AppError> {
    store.migrate().await?;
    store.seed_reference_data(Utc::now()).await?;
    Ok(())
}

/// Loads a generated practice into an empty database.
pub async fn load_demo(store: &Store, size: DemoSize, tz: Tz) -> Result<(), AppError> {
    let users = store.count_users().await?;
    if users > 0 {
        return Err(AppError::NotEmpty(users));
    }
    let hash = tokio::task::spawn_blocking(|| carelog_web::password::hash_password(DEMO_PASSWORD))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    let now = Utc::now();
    let practice = demo::generate(size, tz, now, &hash);
    store.load_demo_practice(practice, now).await?;
    Ok(())
}

/// Removes sessions past their timeouts and login failures past the throttle window. Idempotent,
/// so every server may run it.
pub async fn housekeeping(store: &Store, now: chrono::DateTime<Utc>) -> Result<(u64, u64), AppError> {
    use carelog_domain::login_throttle::WINDOW_MINUTES;
    use carelog_domain::session_policy::{ABSOLUTE_TIMEOUT_HOURS, IDLE_TIMEOUT_MINUTES};
    use chrono::Duration;
    let sessions =
        store.delete_expired_sessions(now - Duration::minutes(IDLE_TIMEOUT_MINUTES), now - Duration::hours(ABSOLUTE_TIMEOUT_HOURS)).await?;
    let failures = store.delete_login_failures_before(now - Duration::minutes(WINDOW_MINUTES)).await?;
    Ok((sessions, failures))
}

/// Runs [`housekeeping`] every hour for as long as the server runs.
pub fn spawn_housekeeping(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            match housekeeping(&store, Utc::now()).await {
                Ok((sessions, failures)) => tracing::debug!(sessions, failures, "housekeeping"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
            }
        }
    })
}

pub fn web_state(store: Store, config: &Config) -> AppState {
    AppState::new(
        store,
        WebSettings { time_zone: config.time_zone, secure_cookies: config.secure_cookies, trust_forwarded_for: config.trust_forwarded_for },
    )
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(listener: TcpListener, state: AppState, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), AppError> {
    let app = carelog_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    Ok(())
}
