//! Entitle's operator console (ratatui), built on `entitle-client`: one model, messages,
//! `update` and `view` (The Elm Architecture), so the console's logic is testable without a
//! terminal. The console itself lands with the console issue; this crate holds its place in
//! the workspace so the dependency direction (tui → client → domain) is fixed from the start.
