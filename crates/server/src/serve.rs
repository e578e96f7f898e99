//! Serving: binding a port, running the routes and the job scheduler, and stopping cleanly.

use poem::Server;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};

use crate::routes::app;
use crate::state::AppState;

/// Binds `listen` ("127.0.0.1:8080", or port 0 for any free port).
pub async fn bind(listen: &str) -> std::io::Result<TcpAcceptor> {
    TcpListener::bind(listen.to_owned()).into_acceptor().await
}

/// The address an acceptor is bound to, for logs and tests.
pub fn local_addr(acceptor: &TcpAcceptor) -> Option<std::net::SocketAddr> {
    acceptor
        .local_addr()
        .into_iter()
        .find_map(|addr| addr.as_socket_addr().copied())
}

/// Serves `state` on `acceptor` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    state: AppState,
    acceptor: TcpAcceptor,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let metrics = match state.config.metrics_listen.as_deref() {
        Some(listen) => {
            let acceptor = bind(listen).await?;
            tracing::info!(addr = ?local_addr(&acceptor), "metrics are served without a key");
            let mut stopping = stop.subscribe();
            let until_stopped = async move {
                let _ = stopping.wait_for(|stopped| *stopped).await;
            };
            Some(tokio::spawn(crate::edge::scrape::serve(
                state.clone(),
                acceptor,
                until_stopped,
            )))
        }
        None => None,
    };
    let chores = state
        .config
        .jobs_every
        .map(|every| tokio::spawn(crate::jobs::scheduler(state.clone(), every, stopped)));
    let served = Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(app(state), shutdown, None)
        .await;
    // Let a job that is running finish; none starts after this.
    let _ = stop.send(true);
    if let Some(chores) = chores {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(60), chores).await;
    }
    if let Some(metrics) = metrics {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), metrics).await;
    }
    served
}
