//! Helpers shared by the fake's test binaries: a world served on loopback,
//! a client, and the asking itself. Each binary uses its own part of them.
#![allow(dead_code)]

use std::net::SocketAddr;

use tacometer_fake::{FakeServer, World, start};

/// Serves `world` on an ephemeral loopback port.
pub async fn serve(world: World) -> FakeServer {
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    start(world, addr).await.expect("fake starts")
}

/// A plain HTTP client.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent("tacometer-fake-tests")
        .build()
        .expect("client")
}

/// The node id of the repository `owner/name` in `world`.
pub fn repo_id(world: &World, full: &str) -> String {
    world
        .repos
        .iter()
        .find(|r| r.full_name() == full)
        .map(|r| r.id.clone())
        .expect("repo in world")
}

/// GET `url` with `token`; the answer, whatever its status.
pub async fn get_as(
    c: &reqwest::Client,
    url: impl reqwest::IntoUrl,
    token: &str,
) -> reqwest::Response {
    c.get(url).bearer_auth(token).send().await.expect("send")
}
