//! The caller's request body on its way to the provider: held in memory when an attempt may
//! have to send it again, streamed through otherwise (see the choice in `proxy`'s module doc).

use crate::error::{ApiError, ErrorCode};
use axum::body::{Body, Bytes, HttpBody};
use axum::http::{header, HeaderMap};
use futures_util::{Stream, StreamExt};

/// A body that may be sent again is held in memory up to this (the JSON body limit, SPEC §13).
pub(super) const BUFFERED_LIMIT: usize = 256 * 1024;
/// A streamed body costs a few buffers whatever its size; this bounds what one request can
/// push through us.
pub(super) const STREAMED_LIMIT: u64 = 100 * 1024 * 1024;

/// How much a request needs its body to be sent more than once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Replay {
    /// The caller asked for `Retries`: a body over `BUFFERED_LIMIT` is refused.
    Required,
    /// A 401 could be refreshed and retried: a body over `BUFFERED_LIMIT` is streamed and
    /// sent once.
    Wanted,
    /// Nothing would send it again: streamed from the first byte.
    Unneeded,
}

pub(super) enum RequestBody {
    Empty,
    Held(Bytes),
    /// Taken by the first attempt.
    Streamed(Option<reqwest::Body>),
}

/// A streamed body grew past `STREAMED_LIMIT`; the upload is cut.
#[derive(Debug, thiserror::Error)]
#[error("proxy: the request body is larger than the limit")]
pub(super) struct BodyTooLarge;

impl RequestBody {
    pub(super) async fn read(body: Body, headers: &HeaderMap, replay: Replay) -> Result<Self, ApiError> {
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse::<u64>().ok());
        let over_buffer = declared.is_some_and(|length| length > BUFFERED_LIMIT as u64);
        if declared.is_some_and(|length| length > STREAMED_LIMIT) {
            return Err(too_large_to_stream());
        }
        if over_buffer && replay == Replay::Required {
            return Err(too_large_to_retry());
        }
        if body.size_hint().exact() == Some(0) {
            return Ok(Self::Empty);
        }
        if replay == Replay::Unneeded || over_buffer {
            return Ok(Self::Streamed(Some(capped(body.into_data_stream()))));
        }
        let mut stream = body.into_data_stream();
        let mut chunks: Vec<Bytes> = Vec::new();
        let mut total = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| {
                ApiError::new(ErrorCode::InvalidBody, "the request body could not be read").with_cause(error)
            })?;
            total += chunk.len();
            chunks.push(chunk);
            if total > BUFFERED_LIMIT {
                if replay == Replay::Required {
                    return Err(too_large_to_retry());
                }
                let read = futures_util::stream::iter(chunks.into_iter().map(Ok));
                return Ok(Self::Streamed(Some(capped(read.chain(stream)))));
            }
        }
        Ok(match chunks.len() {
            0 => Self::Empty,
            1 => Self::Held(chunks.remove(0)),
            _ => Self::Held(Bytes::from(chunks.concat())),
        })
    }

    /// Whether another attempt can send this body again.
    pub(super) fn is_replayable(&self) -> bool {
        !matches!(self, Self::Streamed(_))
    }

    /// The body of the next attempt: a copy of a held body (cheap: `Bytes` is shared), or the
    /// stream, once. `None`: no body at all.
    pub(super) fn for_attempt(&mut self) -> Option<reqwest::Body> {
        match self {
            Self::Empty => None,
            Self::Held(bytes) => Some(reqwest::Body::from(bytes.clone())),
            Self::Streamed(stream) => {
                Some(stream.take().unwrap_or_else(|| reqwest::Body::from(Bytes::new())))
            }
        }
    }
}

/// Whether a failed attempt failed because its streamed body outgrew `STREAMED_LIMIT`.
pub(super) fn is_too_large(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<BodyTooLarge>() {
            return true;
        }
        source = current.source();
    }
    false
}

pub(super) fn too_large_to_stream() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("a proxied request body may be {} MiB at most", STREAMED_LIMIT / (1024 * 1024)),
    )
}

fn too_large_to_retry() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!(
            "a request body that may be retried is held in memory: {} KiB at most; send larger bodies without Retries",
            BUFFERED_LIMIT / 1024
        ),
    )
}

/// `stream` as a request body that fails with `BodyTooLarge` past `STREAMED_LIMIT`.
fn capped<S>(stream: S) -> reqwest::Body
where
    S: Stream<Item = Result<Bytes, axum::Error>> + Send + 'static,
{
    let mut sent: u64 = 0;
    let stream = stream.map(move |chunk| -> Result<Bytes, Box<dyn std::error::Error + Send + Sync>> {
        let chunk = chunk?;
        sent = sent.saturating_add(chunk.len() as u64);
        if sent > STREAMED_LIMIT {
            return Err(Box::new(BodyTooLarge));
        }
        Ok(chunk)
    });
    reqwest::Body::wrap_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn chunked(sizes: &[usize]) -> Body {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            sizes.iter().map(|size| Ok(Bytes::from(vec![b'x'; *size]))).collect();
        Body::from_stream(futures_util::stream::iter(chunks))
    }

    async fn read(body: Body, replay: Replay) -> Result<RequestBody, ApiError> {
        RequestBody::read(body, &HeaderMap::new(), replay).await
    }

    #[tokio::test]
    async fn small_bodies_are_held_and_replayable() {
        let mut body = read(chunked(&[10, 20]), Replay::Required).await.unwrap();
        assert!(matches!(&body, RequestBody::Held(bytes) if bytes.len() == 30));
        assert!(body.is_replayable() && body.for_attempt().is_some() && body.for_attempt().is_some());
        assert!(matches!(read(Body::empty(), Replay::Wanted).await.unwrap(), RequestBody::Empty));
    }

    #[tokio::test]
    async fn large_bodies_stream_unless_a_retry_needs_them() {
        let large = [BUFFERED_LIMIT, 1];
        let error = read(chunked(&large), Replay::Required).await.err().unwrap();
        assert_eq!(error.code(), ErrorCode::PayloadTooLarge);
        let body = read(chunked(&large), Replay::Wanted).await.unwrap();
        assert!(!body.is_replayable());
        let body = read(chunked(&[5]), Replay::Unneeded).await.unwrap();
        assert!(!body.is_replayable(), "nothing to replay: streamed at once");
    }

    #[tokio::test]
    async fn a_declared_length_is_checked_before_reading() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(STREAMED_LIMIT + 1));
        let error = RequestBody::read(chunked(&[1]), &headers, Replay::Unneeded).await.err().unwrap();
        assert_eq!(error.code(), ErrorCode::PayloadTooLarge);
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(BUFFERED_LIMIT + 1));
        let error = RequestBody::read(chunked(&[1]), &headers, Replay::Required).await.err().unwrap();
        assert_eq!(error.code(), ErrorCode::PayloadTooLarge);
        let body = RequestBody::read(chunked(&[1]), &headers, Replay::Wanted).await.unwrap();
        assert!(!body.is_replayable());
    }

    /// A stream that outgrows the limit fails the send, and the failure is recognised as ours.
    #[tokio::test]
    async fn a_streamed_body_past_the_limit_fails_the_send_as_too_large() {
        // A server that reads and discards forever, never answering.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move { tokio::io::copy(&mut socket, &mut tokio::io::sink()).await });
            }
        });
        let chunk = Bytes::from(vec![0u8; 1024 * 1024]);
        let n_chunks = STREAMED_LIMIT / chunk.len() as u64 + 2;
        let stream = futures_util::stream::iter((0..n_chunks).map(move |_| Ok(chunk.clone())));
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let error = client.post(format!("http://{addr}/")).body(capped(stream)).send().await.unwrap_err();
        assert!(is_too_large(&error), "{error:?}");
    }
}
