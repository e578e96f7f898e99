//! SeaORM entities: the tables as the store reads and writes them. Only the store modules use
//! these; services and handlers see domain and API types.

pub mod account;
pub mod api_key;
pub mod product;
pub mod product_price;
pub mod subscription;
