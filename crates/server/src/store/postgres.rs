//! PostgreSQL connection settings sqlx has no option for.
//!
//! Nagle's algorithm is turned off (`TCP_NODELAY`) on every connection to the database, as
//! libpq does. sqlx 0.9 stopped doing it (sqlx issue #4335; fixed upstream by #4336, not
//! released yet), and with Nagle on, a statement whose message spans more than one TCP
//! segment holds its last segment back until the server's delayed acknowledgement (40 ms on
//! Linux). The renewal run's multi-row statements are such messages: the benchmark measured a
//! round of 500 renewals taking 930 ms over TCP and 300 ms over PostgreSQL's Unix socket, the
//! difference all in those waits.
//!
//! sqlx does not hand out its socket, so a new connection's socket is found among the
//! process's descriptors (`/proc/self/fd`, Linux only): every TCP socket whose peer is the
//! database server gets the option, which is idempotent and right for each of them. Elsewhere
//! Nagle stays on: slower for large statements, never wrong.

use std::net::SocketAddr;

use sea_orm::sqlx::postgres::PgConnectOptions;

/// The socket addresses the database server at `url` resolves to; none for a Unix socket or
/// an address that does not resolve (the connection then fails on its own terms).
pub async fn server_addresses(url: &str) -> Vec<SocketAddr> {
    let Ok(options) = url.parse::<PgConnectOptions>() else {
        return Vec::new();
    };
    if options.get_socket().is_some() || options.get_host().starts_with('/') {
        return Vec::new();
    }
    match tokio::net::lookup_host((options.get_host(), options.get_port())).await {
        Ok(addresses) => addresses.collect(),
        Err(_) => Vec::new(),
    }
}

/// Turns Nagle's algorithm off on this process's TCP sockets connected to one of `server`.
#[cfg(target_os = "linux")]
pub fn no_delay(server: &[SocketAddr]) {
    for fd in sockets_to(server) {
        if let Err(err) = on_socket(fd, |socket| socket.set_tcp_nodelay(true)) {
            tracing::debug!(fd, %err, "TCP_NODELAY not set on a database connection");
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn no_delay(_server: &[SocketAddr]) {}

/// The descriptors of the process's sockets whose peer is one of `server`.
#[cfg(target_os = "linux")]
fn sockets_to(server: &[SocketAddr]) -> Vec<i32> {
    if server.is_empty() {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| {
            std::fs::read_link(entry.path())
                .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
        })
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&fd| {
            on_socket(fd, |socket| {
                socket
                    .peer_addr()
                    .ok()
                    .and_then(|peer| peer.as_socket())
                    .is_some_and(|peer| server.contains(&peer))
            })
        })
        .collect()
}

/// Runs `f` on the socket with descriptor `fd`.
#[cfg(target_os = "linux")]
fn on_socket<T>(fd: i32, f: impl FnOnce(socket2::SockRef<'_>) -> T) -> T {
    // SAFETY: `fd` was listed as one of this process's open sockets just now. Should another
    // thread close it meanwhile, the socket calls fail with EBADF (or act on whatever socket
    // took the number, which the peer check sorts out), which is harmless.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    f(socket2::SockRef::from(&borrowed))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use sea_orm::ConnectionTrait;

    use super::*;

    /// Needs a PostgreSQL server over TCP (`ENTITLE_TEST_POSTGRES_URL`), as the PostgreSQL
    /// end-to-end tests do; without one there is no connection to look at.
    #[tokio::test]
    async fn connections_to_postgres_send_at_once() {
        let Ok(base) = std::env::var("ENTITLE_TEST_POSTGRES_URL") else {
            eprintln!("NOT RUN on PostgreSQL: set ENTITLE_TEST_POSTGRES_URL to run it");
            return;
        };
        let server = server_addresses(&base).await;
        assert!(!server.is_empty(), "{base} resolves to a TCP address");
        let admin = sea_orm::Database::connect(&base).await.expect("connects");
        let name = format!("entitle_nodelay_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("creates a database");
        let root = base
            .rsplit_once('/')
            .map_or(base.as_str(), |(root, _)| root);
        let db = crate::store::connect(&format!("{root}/{name}"))
            .await
            .expect("connects and migrates");
        let sockets = sockets_to(&server);
        let waiting: Vec<i32> = sockets
            .iter()
            .copied()
            .filter(|&fd| !on_socket(fd, |socket| socket.tcp_nodelay().unwrap_or(false)))
            .collect();
        drop(db);
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .expect("drops the database");
        assert!(!sockets.is_empty(), "the pool holds a connection");
        assert!(
            waiting.is_empty(),
            "database connections on descriptors {waiting:?} wait to fill their segments"
        );
    }
}
