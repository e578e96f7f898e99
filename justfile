# Short names for the everyday commands; each is a thin wrapper over cargo.

# The demo: a server on a fresh SQLite database with demo accounts, and the console.
demo:
    cargo run -- demo

# The server on ./entitle.db in test mode (the sandbox takes payments), with an admin key for a
# first session.
serve:
    ENTITLE_BOOTSTRAP_ADMIN_KEY="${ENTITLE_BOOTSTRAP_ADMIN_KEY:-admin-secret-0123456789abcdef0123456}" cargo run -- serve --sandbox

# Every test (PostgreSQL ones too when ENTITLE_TEST_POSTGRES_URL is set).
test:
    cargo test --workspace

# Every test, on PostgreSQL as well, against the local server.
test-all:
    ENTITLE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo test --workspace

# Formatting and lints, as CI runs them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Regenerate the committed OpenAPI spec.
openapi:
    cargo run -q -- openapi > openapi/openapi.json
    cargo run -q -- openapi --format yaml > openapi/openapi.yaml

# Benchmarks against this machine's limits (release build, wrk, pgbench, criterion); prints
# the table the README's Performance section shows.
bench:
    cargo build --release -p entitle-cli -p entitle-bench
    ./target/release/entitle-bench
    cargo bench -p entitle-tui --bench frame

# What CI runs.
ci:
    bash .ci/run
