//! One span per request: its method, its route (the matched pattern, never the path itself, which
//! carries ids and search words) and the user id once known. Never a patient's name.

use axum::extract::{MatchedPath, Request};
use carelog_domain::ids::UserId;
use tracing::Span;

pub fn request_span(req: &Request) -> Span {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    tracing::info_span!(
        "request",
        method = %req.method(),
        route = %route,
        user_id = tracing::field::Empty,
    )
}

/// A response that failed: a 503 is logged where its cause is understood (busy: a warning; a database
/// that cannot write: an error once an outage), so here only at debug level; any other failure at error.
pub fn request_failed(
    class: tower_http::classify::ServerErrorsFailureClass,
    latency: std::time::Duration,
    _span: &Span,
) {
    use tower_http::classify::ServerErrorsFailureClass::StatusCode;
    let millis = latency.as_millis();
    match class {
        StatusCode(code) if code == axum::http::StatusCode::SERVICE_UNAVAILABLE => {
            tracing::debug!(latency_ms = millis, "request refused: 503");
        }
        other => tracing::error!(classification = %other, latency_ms = millis, "response failed"),
    }
}

/// Names the signed-in user (or token holder) on the request's span.
pub fn record_user(user_id: UserId) {
    Span::current().record("user_id", user_id.get());
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;
    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    impl Captured {
        /// Captures this thread's log lines while the guard lives.
        fn start() -> (Captured, tracing::subscriber::DefaultGuard) {
            let captured = Captured::default();
            let subscriber =
                tracing_subscriber::fmt().with_ansi(false).with_writer(captured.clone()).finish();
            (captured.clone(), tracing::subscriber::set_default(subscriber))
        }

        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    #[tokio::test]
    async fn a_request_logs_its_route_and_user_but_not_its_path_or_query() {
        let (captured, _guard) = Captured::start();
        let app = Router::new()
            .route(
                "/patients/{id}",
                get(|| async {
                    record_user(UserId(5));
                    tracing::info!("page served");
                }),
            )
            .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span));
        let request = Request::builder().uri("/patients/17?q=ASHDOWN").body(Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert!(response.status().is_success());
        let log = captured.text();
        assert!(log.contains("route=/patients/{id}"), "{log}");
        assert!(log.contains("user_id=5"), "{log}");
        assert!(!log.contains("ASHDOWN") && !log.contains("/patients/17"), "{log}");
    }

    #[tokio::test]
    async fn a_refusal_with_503_is_not_logged_as_an_error_but_a_500_is() {
        use axum::http::StatusCode;
        let (captured, _guard) = Captured::start();
        let app = Router::new()
            .route("/refused", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
            .route("/broken", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
            .layer(
                tower_http::trace::TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    .on_failure(request_failed),
            );
        let refused = Request::builder().uri("/refused").body(Body::empty()).unwrap();
        app.clone().oneshot(refused).await.unwrap();
        let log = captured.text();
        assert!(!log.contains("ERROR"), "{log}");
        let broken = Request::builder().uri("/broken").body(Body::empty()).unwrap();
        app.oneshot(broken).await.unwrap();
        let log = captured.text();
        assert!(log.contains("ERROR") && log.contains("500"), "{log}");
    }
}
