//! The HTTP server: our own accept loop over hyper, for the limits `axum::serve` does not offer.
//! A client must send a request's head within [`ServerLimits::header_read`] (an idle kept-alive
//! connection is closed after as long), may not leave its body silent for longer than
//! [`ServerLimits::body_idle`], and a stopping server gives requests in flight at most
//! [`ServerLimits::shutdown`]: no client can hold a connection, or a shutdown, open by going quiet.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use carelog_web::AppState;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

use crate::AppError;

#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    /// From a connection's first byte (or the end of its last response) to the end of a request's head.
    pub header_read: Duration,
    /// The longest silence inside a request's body.
    pub body_idle: Duration,
    /// How long a stopping server lets requests in flight finish before it closes their connections.
    pub shutdown: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read: Duration::from_secs(15),
            body_idle: Duration::from_secs(15),
            shutdown: Duration::from_secs(20),
        }
    }
}

/// Serves until `shutdown` completes, then finishes the requests in flight within the limits.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: ServerLimits,
) -> Result<(), AppError> {
    let app = state.app.clone();
    // Events a stopped server left marked, before this one answers anything.
    if let Err(e) = app.seal_audit_events().await {
        tracing::warn!(error = %e, "sealing audit events at start failed");
    }
    let sealer = tokio::spawn(app.clone().keep_audit_sealed());
    let router = carelog_web::router(state);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read);
    let connections = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for connections to close.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let body_idle = limits.body_idle;
        let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
            let mut request =
                request.map(|body| axum::body::Body::new(TimeoutBody::new(body_idle, body)));
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(remote));
            router.clone().oneshot(request)
        });
        let connection = connections.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended early");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = connections.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown) => {
            tracing::warn!(seconds = limits.shutdown.as_secs(), "shutdown deadline passed: closing the connections still open");
        }
    }
    sealer.abort();
    // What the last requests audited goes into the chain before the server is gone.
    if let Err(e) = app.seal_audit_events().await {
        tracing::warn!(error = %e, "sealing audit events at stop failed");
    }
    Ok(())
}
