//! `Decompress: true`: a gzip, deflate or br answer is decoded as it streams through, chunk by
//! chunk, never held whole. Any other encoding (or several stacked) passes through untouched,
//! with its `Content-Encoding`, for the caller to decode.

use async_compression::tokio::bufread::{BrotliDecoder, GzipDecoder, ZlibDecoder};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use futures_util::{Stream, TryStreamExt};
use tokio::io::AsyncRead;
use tokio_util::io::{ReaderStream, StreamReader};

/// What we ask the provider for when the caller wants a decoded answer.
pub(super) const ACCEPTED: &str = "gzip, deflate, br";

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Encoding {
    Gzip,
    /// HTTP's `deflate` is zlib-wrapped (RFC 9110 §8.4.1.2).
    Deflate,
    Brotli,
}

impl Encoding {
    /// The answer's `Content-Encoding`, when it is one encoding we decode.
    pub(super) fn of(headers: &HeaderMap) -> Option<Self> {
        let mut values = headers.get_all(header::CONTENT_ENCODING).iter();
        let text = values.next()?.to_str().ok()?.trim().to_ascii_lowercase();
        if values.next().is_some() {
            return None;
        }
        match text.as_str() {
            "gzip" | "x-gzip" => Some(Self::Gzip),
            "deflate" => Some(Self::Deflate),
            "br" => Some(Self::Brotli),
            _ => None,
        }
    }
}

/// `stream` decoded as `encoding`. A corrupt stream ends the body with an error (the caller
/// sees a cut answer, as when the provider's connection drops).
pub(super) fn decoded<S, E>(stream: S, encoding: Encoding) -> Body
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let reader = StreamReader::new(Box::pin(stream.map_err(std::io::Error::other)));
    let decoder: Box<dyn AsyncRead + Send + Unpin> = match encoding {
        Encoding::Gzip => {
            let mut decoder = GzipDecoder::new(reader);
            decoder.multiple_members(true);
            Box::new(decoder)
        }
        Encoding::Deflate => Box::new(ZlibDecoder::new(reader)),
        Encoding::Brotli => Box::new(BrotliDecoder::new(reader)),
    };
    Body::from_stream(ReaderStream::new(decoder))
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_compression::tokio::bufread::{BrotliEncoder, GzipEncoder, ZlibEncoder};
    use axum::http::HeaderValue;
    use tokio::io::AsyncReadExt;

    async fn encode(encoding: Encoding, plain: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        match encoding {
            Encoding::Gzip => GzipEncoder::new(plain).read_to_end(&mut out).await,
            Encoding::Deflate => ZlibEncoder::new(plain).read_to_end(&mut out).await,
            Encoding::Brotli => BrotliEncoder::new(plain).read_to_end(&mut out).await,
        }
        .unwrap();
        out
    }

    #[tokio::test]
    async fn each_encoding_decodes_across_chunk_boundaries() {
        let plain: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        for encoding in [Encoding::Gzip, Encoding::Deflate, Encoding::Brotli] {
            let encoded = encode(encoding, &plain).await;
            // Small uneven chunks, as a network delivers them.
            let chunks: Vec<Result<Bytes, std::io::Error>> =
                encoded.chunks(777).map(|chunk| Ok(Bytes::copy_from_slice(chunk))).collect();
            let body = decoded(futures_util::stream::iter(chunks), encoding);
            let out = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            assert!(out == plain, "{encoding:?}: {} bytes out of {}", out.len(), plain.len());
        }
    }

    #[tokio::test]
    async fn a_corrupt_stream_is_an_error_not_a_hang() {
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![Ok(Bytes::from_static(b"not gzip at all"))];
        let body = decoded(futures_util::stream::iter(chunks), Encoding::Gzip);
        assert!(axum::body::to_bytes(body, usize::MAX).await.is_err());
    }

    #[test]
    fn only_single_known_encodings_are_decoded() {
        let of = |values: &[&'static str]| {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append(header::CONTENT_ENCODING, HeaderValue::from_static(value));
            }
            Encoding::of(&headers)
        };
        assert_eq!(of(&["gzip"]), Some(Encoding::Gzip));
        assert_eq!(of(&[" GZIP "]), Some(Encoding::Gzip));
        assert_eq!(of(&["deflate"]), Some(Encoding::Deflate));
        assert_eq!(of(&["br"]), Some(Encoding::Brotli));
        assert_eq!(of(&[]), None);
        assert_eq!(of(&["zstd"]), None);
        assert_eq!(of(&["identity"]), None);
        assert_eq!(of(&["gzip, br"]), None);
        assert_eq!(of(&["gzip", "br"]), None);
    }
}
