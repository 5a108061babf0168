//! A write timeout for streamed responses: a client that stops reading an
//! export is disconnected after the stall timeout, and everything the
//! export held — its database connection and its organization's transfer
//! slot — is given back (issue 9, class 2).
//!
//! actix-web has no write timeout: while a client reads nothing, the
//! socket stays full and the response body is never polled again, so no
//! code of ours would run. So every connection keeps a duplicate of its
//! socket descriptor (`remember_client_socket`, wired with
//! `HttpServer::on_connect`), and a forwarding task between the export and
//! the body shuts the socket down when a chunk waits longer than the stall
//! timeout. The duplicate lives exactly as long as the connection.

use crate::security::transfers::TransferGuard;
use actix_web::dev::Extensions;
use actix_web::web::Bytes;
use clearview_kernel::export::ByteSource;
use std::any::Any;
use std::net::Shutdown;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The connection's socket, for shutting it down from outside.
#[derive(Clone)]
pub struct ClientSocket(Arc<OwnedFd>);

impl ClientSocket {
    /// Ends the connection: the server stops waiting on this client.
    pub fn disconnect(&self) {
        if let Ok(fd) = self.0.try_clone() {
            let _ = std::net::TcpStream::from(fd).shutdown(Shutdown::Both);
        }
    }
}

/// `HttpServer::on_connect` hook: remembers each TCP connection's socket.
pub fn remember_client_socket(connection: &dyn Any, data: &mut Extensions) {
    if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>()
        && let Ok(fd) = tcp.as_fd().try_clone_to_owned()
    {
        data.insert(ClientSocket(Arc::new(fd)));
    }
}

/// The chunks of `source` as a response body that the client must keep
/// reading: a chunk that waits `stall` for the client disconnects it. The
/// transfer slot is held until the export ends either way.
pub fn stall_guarded_body(
    mut source: Box<dyn ByteSource>,
    slot: TransferGuard,
    socket: Option<ClientSocket>,
    stall: Duration,
) -> impl futures_util::Stream<Item = Result<Bytes, String>> + 'static {
    let (out, body) = mpsc::channel::<Result<Bytes, String>>(1);
    tokio::spawn(async move {
        let _slot = slot;
        while let Some(chunk) = source.next_chunk().await {
            match tokio::time::timeout(stall, out.send(chunk.map(Bytes::from).map_err(|e| e.to_string()))).await {
                Ok(Ok(())) => {}
                // The body was dropped: the client went away.
                Ok(Err(_)) => return,
                Err(_) => {
                    tracing::info!(
                        stall_seconds = stall.as_secs(),
                        "a client stopped reading; disconnecting it"
                    );
                    if let Some(socket) = &socket {
                        socket.disconnect();
                    }
                    return;
                }
            }
        }
    });
    futures_util::stream::unfold(body, |mut body| async move {
        let chunk = body.recv().await?;
        Some((chunk, body))
    })
}
