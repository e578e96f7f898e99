//! SeaORM entities: the tables as the store reads and writes them. Only the store modules use
//! these; services and handlers see domain and API types.

pub mod account;
pub mod api_key;
pub mod audit_event;
pub mod checkout_session;
pub mod event;
pub mod invoice;
pub mod invoice_batch;
pub mod invoice_counter;
pub mod job_run;
pub mod license;
pub mod license_file;
pub mod machine;
pub mod message;
pub mod order;
pub mod product;
pub mod product_price;
pub mod provider_payment;
pub mod reminder;
pub mod sandbox_charge;
pub mod signing_key;
pub mod subscription;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;
