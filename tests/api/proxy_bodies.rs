//! `/proxy` bodies (SPEC §9, §13): `Decompress: true` decodes a compressed answer, otherwise its
//! bytes pass through untouched; large answers and uploads stream through intact; a body that
//! `Retries` would have to send again is held in memory, so it has a limit.

use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::Compression;
use nango_tests::upstream::{connected_app, pattern, proxy, Canned, Upstream};
use nango_tests::{ResponseExt, TestApp};
use reqwest::Method;
use std::io::Write;

async fn setup() -> (TestApp, Upstream) {
    let upstream = Upstream::spawn().await;
    let app = connected_app(TestApp::builder(), &upstream.url).await;
    (app, upstream)
}

const PLAIN: &str = r#"{"items":[{"id":1,"name":"first"},{"id":2,"name":"second"}]}"#;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn decompress_decodes_a_gzip_or_deflate_answer() {
    let (app, upstream) = setup().await;
    for (encoding, encoded) in [("gzip", gzip(PLAIN.as_bytes())), ("deflate", zlib(PLAIN.as_bytes()))] {
        upstream.push(
            Canned::status(200)
                .header("content-type", "application/json")
                .header("content-encoding", encoding)
                .header("x-page", "1")
                .body(encoded),
        );
        let response = proxy(&app, Method::GET, "/items")
            .header("Decompress", "true")
            .send()
            .await
            .unwrap()
            .assert_status(200)
            .await;
        let headers = response.headers().clone();
        assert!(headers.get("content-encoding").is_none(), "{encoding}: {headers:?}");
        assert_eq!(headers["x-page"], "1");
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(response.text().await.unwrap(), PLAIN, "{encoding}");
        let seen = upstream.requests().pop().unwrap();
        assert_eq!(seen.header("accept-encoding"), Some("gzip, deflate, br"), "we ask for what we decode");
    }
}

#[tokio::test]
async fn without_decompress_compressed_bytes_pass_through_untouched() {
    let (app, upstream) = setup().await;
    let encoded = gzip(PLAIN.as_bytes());
    upstream.push(Canned::status(200).header("content-encoding", "gzip").body(encoded.clone()));
    let response = proxy(&app, Method::GET, "/items")
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap()
        .assert_status(200)
        .await;
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert_eq!(response.bytes().await.unwrap().to_vec(), encoded);
    let seen = upstream.requests().pop().unwrap();
    assert_eq!(seen.header("accept-encoding"), Some("gzip"), "the caller's Accept-Encoding travels");

    // An encoding we do not decode passes through even with Decompress.
    upstream.push(Canned::status(200).header("content-encoding", "zstd").body(&b"\x28\xb5\x2f\xfd"[..]));
    let response = proxy(&app, Method::GET, "/items").header("Decompress", "true").send().await.unwrap();
    assert_eq!(response.headers()["content-encoding"], "zstd");
    assert_eq!(&response.bytes().await.unwrap()[..], b"\x28\xb5\x2f\xfd");
}

#[tokio::test]
async fn a_10_mib_answer_streams_through_intact() {
    let (app, upstream) = setup().await;
    let n = 10 * 1024 * 1024;
    let response =
        proxy(&app, Method::GET, &format!("/big/{n}")).send().await.unwrap().assert_status(200).await;
    let body = response.bytes().await.unwrap();
    assert_eq!(body.len(), n);
    assert!(body[..] == pattern(n)[..], "the answer arrived altered");
    assert_eq!(upstream.count(), 1);
}

/// Nothing would send an API-key request again, so its body streams: far past the 256 KiB of
/// a held body.
#[tokio::test]
async fn a_large_upload_streams_to_the_provider() {
    let (app, upstream) = setup().await;
    let upload = pattern(3 * 1024 * 1024);
    let echo = proxy(&app, Method::PUT, "/files/report.bin")
        .header("Content-Type", "application/octet-stream")
        .body(upload.clone())
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(echo["body_length"], upload.len(), "{echo}");
    let seen = upstream.requests().pop().unwrap();
    assert!(seen.body == upload, "the upload arrived altered");
    assert_eq!(seen.header("content-type"), Some("application/octet-stream"));
}

#[tokio::test]
async fn a_body_to_retry_is_limited_to_what_is_held_in_memory() {
    let (app, upstream) = setup().await;
    let response = proxy(&app, Method::POST, "/files")
        .header("Retries", "2")
        .body(vec![b'x'; 256 * 1024 + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(response.assert_error(413).await, "payload_too_large");
    assert_eq!(upstream.count(), 0);
    // Within the limit it is held, and sent again by the retry.
    upstream.push(Canned::status(503));
    let echo = proxy(&app, Method::POST, "/files")
        .header("Retries", "2")
        .body(vec![b'x'; 256 * 1024])
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(echo["body_length"], 256 * 1024);
    assert_eq!(upstream.count(), 2);
}

/// An OAuth2 connection's large upload is streamed (it cannot be sent twice): its 401 comes
/// back, and the token is refreshed for the next request.
#[tokio::test]
async fn a_large_upload_with_a_rejected_token_refreshes_and_answers_the_401() {
    let app = TestApp::spawn().await;
    app.integration("fake", "fake-oauth").await;
    app.connect_ok("fake", "user-1").await;
    app.provider.revoke_access_tokens();
    let response = app
        .api(Method::POST, "/proxy/upload")
        .header("Connection-Id", "user-1")
        .header("Provider-Config-Key", "fake")
        .body(vec![b'y'; 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "the provider's answer to the one attempt");
    assert_eq!(app.provider.api_requests().len(), 1);
    let refreshes =
        app.provider.token_requests().iter().filter(|t| t.params["grant_type"] == "refresh_token").count();
    assert_eq!(refreshes, 1, "the token was refreshed for the next request");
    let echo = app
        .api(Method::POST, "/proxy/upload")
        .header("Connection-Id", "user-1")
        .header("Provider-Config-Key", "fake")
        .body(vec![b'y'; 1024 * 1024])
        .send()
        .await
        .unwrap()
        .assert_success()
        .await;
    assert_eq!(echo["ok"], true, "{echo}");
}
