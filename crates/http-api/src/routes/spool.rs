//! An upload spooled to a temporary file before anything touches the
//! database (issue 9, class 2): a slow or stalled client holds a file and a
//! transfer slot, never a pooled connection or an open transaction. The
//! file is removed when the spool is dropped, whatever happened.

use crate::problem::ApiError;
use actix_web::web::{Bytes, Payload};
use futures_util::StreamExt;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Spool {
    path: PathBuf,
    pub bytes: u64,
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Spool {
    /// Reads the whole body into a new temporary file. Fails with `too_large`
    /// past `max` bytes, and with 408 when the client sends nothing for
    /// `stall`.
    pub async fn receive(
        payload: &mut Payload,
        max: u64,
        stall: Duration,
        too_large: impl Fn(u64) -> ApiError,
    ) -> Result<Self, ApiError> {
        let path = std::env::temp_dir().join(format!("clearview-upload-{}.csv", uuid::Uuid::now_v7().simple()));
        let mut spool = Spool { path, bytes: 0 };
        let mut file = tokio::fs::File::create(&spool.path)
            .await
            .map_err(|e| ApiError::unexpected(&e))?;
        loop {
            let next = tokio::time::timeout(stall, payload.next()).await.map_err(|_| {
                ApiError::new(
                    actix_web::http::StatusCode::REQUEST_TIMEOUT,
                    format!("the upload stalled: nothing arrived for {} s", stall.as_secs()),
                )
            })?;
            let Some(bytes) = next else { break };
            let bytes: Bytes = bytes.map_err(|_| ApiError::bad_request("the body could not be read"))?;
            spool.bytes += bytes.len() as u64;
            if spool.bytes > max {
                return Err(too_large(max));
            }
            file.write_all(&bytes).await.map_err(|e| ApiError::unexpected(&e))?;
        }
        file.flush().await.map_err(|e| ApiError::unexpected(&e))?;
        Ok(spool)
    }

    /// The spooled bytes in chunks of `size` (the last may be shorter).
    pub async fn chunks(&self, size: usize) -> Result<SpoolReader, ApiError> {
        let file = tokio::fs::File::open(&self.path)
            .await
            .map_err(|e| ApiError::unexpected(&e))?;
        Ok(SpoolReader {
            file,
            buffer: vec![0; size],
        })
    }
}

pub struct SpoolReader {
    file: tokio::fs::File,
    buffer: Vec<u8>,
}

impl SpoolReader {
    /// The next chunk, full unless it is the last; `None` at the end.
    pub async fn next(&mut self) -> Result<Option<&[u8]>, ApiError> {
        let mut filled = 0;
        while filled < self.buffer.len() {
            let n = self
                .file
                .read(&mut self.buffer[filled..])
                .await
                .map_err(|e| ApiError::unexpected(&e))?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        Ok((filled > 0).then(|| &self.buffer[..filled]))
    }
}
