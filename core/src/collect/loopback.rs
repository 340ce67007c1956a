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
