//! End-to-end tests: the built `entitle` binary, driven from outside as a new user would.

mod console;
mod crash;
mod fuzzing;
mod generated_client;
mod go_client;
mod intl_sdks;
mod license_files;
mod provider_sdks;
mod serve;
mod tools;
mod typescript_client;
