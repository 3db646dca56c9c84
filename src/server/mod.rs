pub mod routes {}
