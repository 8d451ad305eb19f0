//! SPEC §13 "Limits" (hostile review finding 3, slowloris): sockets that never finish their
//! headers are closed after the header-read time-out, idle kept-alive sockets too, and past
//! the connection cap a new connection gets a quick 503 instead of waiting, so the server
//! keeps answering.

use nango_tests::TestApp;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CAP: usize = 8;
/// Far longer than the 1 s header time-out the app gets: a deadline, not a measurement.
const DEADLINE: Duration = Duration::from_secs(15);

async fn app() -> TestApp {
    TestApp::builder()
        .var("NANGO_HEADER_TIMEOUT_SECONDS", "1")
        .var("NANGO_MAX_CONNECTIONS", &CAP.to_string())
        .spawn()
        .await
}

/// Read until the server closes the socket; the bytes it sent.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(DEADLINE, stream.read_to_end(&mut bytes)).await;
    assert!(read.is_ok(), "the server kept the socket open past the deadline");
    bytes
}

async fn raw_get(app: &TestApp, path: &str) -> String {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    String::from_utf8_lossy(&read_until_closed(&mut stream).await).into_owned()
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_cannot_starve_the_server() {
    let app = app().await;
    let mut slow = Vec::new();
    for _ in 0..CAP {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        stream.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await.unwrap();
        slow.push(stream);
    }
    // Wait until the server has taken all of them (a request past the cap answers 503).
    let mut busy = String::new();
    for _ in 0..50 {
        busy = raw_get(&app, "/health").await;
        if busy.starts_with("HTTP/1.1 503") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(busy.starts_with("HTTP/1.1 503") && busy.contains("too many open connections"), "{busy}");

    // Each slow socket is closed by the server once its header time-out passes.
    for stream in &mut slow {
        let answer = read_until_closed(stream).await;
        assert!(!String::from_utf8_lossy(&answer).contains("200 OK"), "a half-sent request was served");
    }
    // Then the server answers again.
    let mut healthy = String::new();
    for _ in 0..50 {
        healthy = raw_get(&app, "/health").await;
        if healthy.starts_with("HTTP/1.1 200") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(healthy.starts_with("HTTP/1.1 200"), "{healthy}");
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let app = app().await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
    // The answer comes, the connection stays open for a next request, then is closed while idle.
    let answer = read_until_closed(&mut stream).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert_eq!(text.matches("HTTP/1.1").count(), 1, "{text}");
}

/// SPEC §13 "Input": header values are length-limited; an oversized one is refused with 431
/// before any route runs, and the server goes on serving.
#[tokio::test]
async fn an_oversized_request_head_is_refused() {
    let app = app().await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let head =
        format!("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: {}\r\n\r\n", "x".repeat(100 * 1024));
    // Loopback buffers take the whole head even if the server stops reading early.
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = String::from_utf8_lossy(&read_until_closed(&mut stream).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(raw_get(&app, "/health").await.starts_with("HTTP/1.1 200"));
}
