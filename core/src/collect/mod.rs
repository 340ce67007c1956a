//! Collection from the upstreams: GitHub, PyPI and Anaconda.

pub mod github;
pub mod http;
pub mod packages;
pub mod pass;
