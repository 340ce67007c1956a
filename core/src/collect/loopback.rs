//! Test support: an HTTP client and a raw loopback server for the HTTP
//! layer's tests, which need answers no well-behaved server gives.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::http::{Http, Retry};

/// A client with no quotas, no token and default retries.
pub(crate) fn client(timeout: Duration) -> Http {
    Http::new(
        HashMap::new(),
        HashMap::new(),
        Vec::new(),
        Retry::default(),
        timeout,
    )
    .expect("client")
}

/// Serves `answer` (status line, headers and body, written in pieces) to
/// every request on a loopback port; returns `http://127.0.0.1:PORT`.
pub(crate) async fn serving(answer: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut request = vec![0u8; 65536];
                let _ = sock.read(&mut request).await;
                for piece in answer.chunks(65536) {
                    if sock.write_all(piece).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// A 200 answer with `body` and its length.
pub(crate) fn ok_json(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Serves `head` (status line and headers), then one byte of body every
/// `every`, never ending, to every request; returns the base URL and how
/// many connections it took.
pub(crate) async fn trickling(
    head: &str,
    every: Duration,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let head = std::sync::Arc::new(head.as_bytes().to_vec());
    let connections = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let head = head.clone();
            tokio::spawn(async move {
                let mut request = vec![0u8; 65536];
                let _ = sock.read(&mut request).await;
                if sock.write_all(&head).await.is_err() {
                    return;
                }
                loop {
                    tokio::time::sleep(every).await;
                    if sock.write_all(b" ").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), connections)
}
