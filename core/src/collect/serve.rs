//! `tacometerd --listen ADDR`: `/metrics` (Prometheus text) and `/healthz`.
//!
//! A bare HTTP/1 server on hyper: two read-only endpoints need no web
//! framework, and the daemon links no more than this. Each connection is
//! closed after [`CONNECTION_LIFE`] and at most [`MAX_CONNECTIONS`] are
//! served at once, so a slow or idle client cannot hold the daemon's memory.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::metrics::{CONTENT_TYPE, Metrics};

/// How long one connection may stay open.
const CONNECTION_LIFE: Duration = Duration::from_secs(30);

/// Connections served at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 16;

/// Serves `/metrics` and `/healthz` from `metrics` on `listener` until
/// `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let slot = tokio::select! {
            s = Arc::clone(&slots).acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => return,
            },
            _ = stopped(&mut shutdown) => return,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "could not accept a metrics connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stopped(&mut shutdown) => return,
        };
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let answer = respond(&metrics, req.method(), req.uri().path());
                async move { Ok::<_, Infallible>(answer) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_LIFE, conn).await;
            drop(slot);
        });
    }
}

/// Resolves once `shutdown` turns true (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await.map(|_| ());
}

/// The answer to `method path`.
pub fn respond(metrics: &Metrics, method: &Method, path: &str) -> Response<Full<Bytes>> {
    let head = method == Method::HEAD;
    if method != Method::GET && !head {
        return text(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "only GET and HEAD\n".into(),
            false,
        );
    }
    match path {
        "/metrics" => text(StatusCode::OK, CONTENT_TYPE, metrics.render(), head),
        "/healthz" => {
            let v = metrics.health_at(Utc::now());
            let status = if v.healthy {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            text(
                status,
                "text/plain; charset=utf-8",
                format!("{}\n", v.message),
                head,
            )
        }
        _ => text(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "not found: try /metrics or /healthz\n".into(),
            head,
        ),
    }
}

fn text(status: StatusCode, content_type: &str, body: String, head: bool) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(if head {
        Bytes::new()
    } else {
        Bytes::from(body)
    }));
    *r.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn metrics_and_health_over_http() {
        let metrics = Arc::new(Metrics::new(Utc::now(), Duration::from_secs(3600)));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = watch::channel(false);
        let server = tokio::spawn(serve(listener, Arc::clone(&metrics), rx));
        let client = reqwest::Client::new();
        let get = |path: &str| client.get(format!("http://{addr}{path}")).send();
        let r = get("/metrics").await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        assert!(r.text().await.unwrap().contains("tacometer_passes_total"));
        let r = get("/healthz").await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.text()
                .await
                .unwrap()
                .starts_with("ok: no successful pass")
        );
        assert_eq!(get("/nope").await.unwrap().status(), 404);
        let post = client
            .post(format!("http://{addr}/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(post.status(), 405);
        tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .unwrap()
            .unwrap();
    }

    #[test]
    fn stale_health_is_503() {
        let metrics = Metrics::new(
            Utc::now() - chrono::Duration::hours(3),
            Duration::from_secs(3600),
        );
        let r = respond(&metrics, &Method::GET, "/healthz");
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
